using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Tunnel.Controller.Agents;
using Tunnel.Controller.Api;
using Tunnel.Controller.Auth;
using Tunnel.Controller.Data;
using Tunnel.Controller.Gateway;
using Tunnel.Controller.Policy;

namespace Tunnel.Controller;

/// <summary>The controller's services and routes.</summary>
internal static class ControllerSetup
{
    public static void AddController(this WebApplicationBuilder builder)
    {
        IConfigurationSection section = builder.Configuration.GetSection("Controller");
        builder.Services.Configure<ControllerOptions>(section);
        var options = section.Get<ControllerOptions>() ?? new ControllerOptions();
        string database = options.Database.ToLowerInvariant();
        switch (database)
        {
            case "sqlite":
                string sqlite = options.ConnectionString ?? $"Data Source={Path.Combine(builder.Environment.ContentRootPath, "controller.db")}";
                builder.Services.AddDbContext<ControllerDbContext, SqliteControllerDbContext>(db => db.UseSqlite(sqlite));
                builder.Services.PostConfigure<ControllerOptions>(o => o.ConnectionString = sqlite);
                break;
            case "postgres" or "postgresql":
                string postgres = options.ConnectionString ?? throw new InvalidOperationException("Controller:Database is postgres: Controller:ConnectionString must name the server (Host=...;Database=...;Username=...).");
                builder.Services.AddDbContext<ControllerDbContext, PostgresControllerDbContext>(db => db.UseNpgsql(postgres));
                builder.Services.AddHostedService<PostgresChangeListener>();
                break;
            default:
                throw new InvalidOperationException($"Controller:Database '{options.Database}' is neither sqlite nor postgres.");
        }

        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ControllerJsonContext.Default));
        builder.Services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(json => json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddOpenApi();
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true); // answered in the envelope below
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PolicyChangeHub>();
        builder.Services.AddSingleton<SnapshotBuilder>();
        builder.Services.AddSingleton<StreamSlots>();
        builder.Services.AddSingleton(new AddressPool(options.Network));
        builder.Services.AddSingleton<IGatewayPeers>(_ => options.Gateway.Uapi is { Length: > 0 } uapi
            ? new UapiGatewayPeers(uapi, options.Gateway.PublicKey)
            : new DetachedGatewayPeers(options.Gateway.PublicKey));
        builder.Services.AddScoped<PolicyStore>();
        builder.Services.AddHostedService<ControllerStartup>();
    }

    public static void MapController(this WebApplication app)
    {
        // A body that is not JSON, or not of the route's shape, is answered like every other invalid input.
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (BadHttpRequestException error) when (!context.Response.HasStarted)
            {
                string why = error.InnerException is System.Text.Json.JsonException json ? json.Message : error.Message;
                await Answers.Invalid($"The request is not what this route takes: {why}").ExecuteAsync(context).ConfigureAwait(false);
            }
        });
        app.MapOpenApi();
        RouteGroupBuilder account = app.MapGroup("/accounts/{account}").AddEndpointFilter<AccountTokenFilter>();
        TokenEndpoints.Map(account);
        DeviceEndpoints.Map(account);
        PolicyEndpoints.Map(account);
        AgentEndpoints.Map(app);
        DashboardEndpoints.Map(app);
    }
}

/// <summary>
/// At start: the store migrated to this version, the bootstrap account and token in place, and (with a gateway) every
/// enrolled device put back on it, so a gateway that restarted empty serves the fleet again.
/// </summary>
internal sealed class ControllerStartup(IServiceProvider services, IOptions<ControllerOptions> options, IGatewayPeers gateway, ILogger<ControllerStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using AsyncServiceScope scope = services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<ControllerDbContext>();
        await database.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);

        ControllerOptions settings = options.Value;
        if (settings.BootstrapToken is { Length: > 0 } token)
        {
            if (settings.BootstrapAccount is not { Length: > 0 } account)
            {
                throw new InvalidOperationException("Controller:BootstrapToken is set without Controller:BootstrapAccount, the account it administers.");
            }

            if (token.Length < 16)
            {
                throw new InvalidOperationException("Controller:BootstrapToken is shorter than 16 characters: too easy to guess for an administrator's token.");
            }

            var store = scope.ServiceProvider.GetRequiredService<PolicyStore>();
            await store.EnsureAccountAsync(account, cancellationToken).ConfigureAwait(false);
            string hash = Secrets.Hash(token);
            if (!await database.ApiTokens.AnyAsync(t => t.Hash == hash, cancellationToken).ConfigureAwait(false))
            {
                database.ApiTokens.Add(new ApiToken { Id = Guid.NewGuid(), AccountId = account, Name = "bootstrap", Hash = hash, Created = store.Now });
                await database.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (gateway.IsAttached)
        {
            int restored = 0;
            await foreach (var device in database.Devices.AsNoTracking().Select(d => new { d.Key, d.Ip }).AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await gateway.AddAsync(device.Key, device.Ip, cancellationToken).ConfigureAwait(false);
                    restored++;
                }
                catch (GatewayException error)
                {
                    ControllerLog.GatewayRefusedRestore(logger, device.Key, error.Message);
                    break;
                }
            }

            ControllerLog.GatewayRestored(logger, restored);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
