using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tunnel.Agent.Service;

namespace Tunnel.Agent.LocalApi;

/// <summary>
/// The agent's Generic Host: Kestrel on the local API's UNIX socket (a named pipe on Windows, and a Windows
/// service when the service manager starts it), the access check on every request, the
/// routes of <see cref="LocalApiEndpoints"/>, and <see cref="AgentLifetime"/>. Built apart from
/// <c>tunnel-agent run</c> so tests can host the same pipeline on a temporary socket with a fake agent.
/// </summary>
internal static class LocalApiHost
{
    /// <summary>The largest request body the API reads.</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    /// <summary>Builds (does not start) the host.</summary>
    /// <param name="socketPath">The UNIX socket to serve on; on Windows the named pipe's name.</param>
    /// <param name="access">Who may use the API.</param>
    /// <param name="createAgent">Makes the agent from the host's services (its loggers and meters).</param>
    /// <param name="connect">Whether to connect when the host starts.</param>
    /// <param name="configureLogging">Adds logging providers (none when null).</param>
    /// <param name="maxConnections">The most connections open on the socket at once (see <see cref="LocalApiConnectionLimit"/>).</param>
    /// <param name="configureServices">Registers the services the agent is made from (the tunnel connection), before the agent's own, so they stop after it.</param>
    public static WebApplication Build(string socketPath, LocalApiAccess access, Func<IServiceProvider, AgentService> createAgent, bool connect, Action<ILoggingBuilder>? configureLogging = null, int maxConnections = LocalApiConnectionLimit.DefaultLimit, Action<IServiceCollection>? configureServices = null)
    {
        var connections = new LocalApiConnectionLimit(maxConnections);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Host.UseSystemd();
        if (OperatingSystem.IsWindows())
        {
            // As a Windows service when the service manager starts it; the pipe's ACL admits only those who may ask.
            builder.Host.UseWindowsService(options => options.ServiceName = "tunnel-agent");
            var pipeSecurity = LocalApiPipeSecurity.Create(access.GroupName, access.AdminGroupName);
            builder.WebHost.UseNamedPipes(options => options.PipeSecurity = pipeSecurity);
        }

        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Every body the API takes is a few hundred bytes; the bound keeps one client from filling memory.
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            if (OperatingSystem.IsWindows())
            {
                kestrel.ListenNamedPipe(socketPath, listen => listen.Use(connections.Middleware));
            }
            else
            {
                kestrel.ListenUnixSocket(socketPath, listen => listen.Use(connections.Middleware));
            }
        });
        configureServices?.Invoke(builder.Services);
        builder.Services.AddSingleton(services =>
        {
            var agent = createAgent(services);
            agent.ApiConnections = connections;
            return agent;
        });
        builder.Services.AddHostedService(services => new AgentLifetime(services.GetRequiredService<AgentService>(), connect, services.GetRequiredService<ILogger<AgentLifetime>>()));

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (!Allows(context, access, change: false))
            {
                await LocalApiEndpoints.Error(context, StatusCodes.Status403Forbidden, access.DeniedMessage);
                return;
            }

            // Reading is a GET (watch included); every other method changes something.
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !Allows(context, access, change: true))
            {
                await LocalApiEndpoints.Error(context, StatusCodes.Status403Forbidden, access.ChangeDeniedMessage);
                return;
            }

            try
            {
                await next(context);
            }
            catch (Exception failure) when (failure is not OperationCanceledException && !context.Response.HasStarted)
            {
                await LocalApiEndpoints.Error(context, StatusCodes.Status500InternalServerError, failure.Message);
            }
        });
        app.MapLocalApi(app.Services.GetRequiredService<AgentService>());

        // Open to all: access is decided per request from the client's kernel credentials (see LocalApiAccess).
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(socketPath, (UnixFileMode)0b110_110_110);
            }
        });
        return app;
    }

    /// <summary>The access check on the connection's peer: its kernel credentials on a UNIX socket, its token on a Windows pipe.</summary>
    private static bool Allows(HttpContext context, LocalApiAccess access, bool change)
    {
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            return access.Allows(socket, change);
        }

        return OperatingSystem.IsWindows() && context.Features.Get<IConnectionNamedPipeFeature>()?.NamedPipe is { } pipe && access.Allows(pipe, change);
    }
}
