using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tunnel.Uapi;

namespace Tunnel.DependencyInjection.Internal;

/// <summary>Starts the registered <see cref="TunnelHost"/> (and its UAPI server) with the application, and stops it with it.</summary>
internal sealed class TunnelHostedService(TunnelHost host, IOptions<TunnelHostOptions> options, ILoggerFactory? loggerFactory = null) : IHostedService, IAsyncDisposable
{
    private UapiServer? _uapi;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        host.Start();
        if (options.Value.ServeUapi)
        {
            _uapi = new UapiServer(host, options.Value.UapiSocketPath, loggerFactory);
            _uapi.Start();
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_uapi is not null)
        {
            await _uapi.DisposeAsync().ConfigureAwait(false);
        }

        await host.DisposeAsync().ConfigureAwait(false);
    }
}
