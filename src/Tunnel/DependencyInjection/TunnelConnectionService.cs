using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tunnel.Configuration;
using Tunnel.Connections;
using Tunnel.Uapi;

namespace Tunnel.DependencyInjection;

/// <summary>
/// The hosted service <c>AddTunnelConnection</c> registers: it brings the configured <c>.conf</c> up when the
/// application starts (a failure stops the start, with nothing left behind) and takes it down when it stops.
/// Inject it to reach the <see cref="Connection"/> and its live API.
/// </summary>
public sealed class TunnelConnectionService : IHostedService, IAsyncDisposable
{
    private readonly TunnelConnectionServiceOptions _options;
    private readonly IServiceProvider _services;
    private TunnelConnection? _connection;
    private UapiServer? _uapi;

    /// <summary>Created by the container.</summary>
    /// <param name="options">The bound options.</param>
    /// <param name="services">Where the platform, loggers, clock and meters come from.</param>
    public TunnelConnectionService(IOptions<TunnelConnectionServiceOptions> options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _services = services;
    }

    /// <summary>The open connection.</summary>
    /// <exception cref="InvalidOperationException">The service has not started, or has stopped.</exception>
    public TunnelConnection Connection => _connection ?? throw new InvalidOperationException("The tunnel connection is not open: the host has not started it, or has stopped it.");

    /// <summary>Reads the <c>.conf</c> and opens the connection (and its UAPI server, when asked for).</summary>
    /// <param name="cancellationToken">Cancels the opening.</param>
    /// <returns>A task that completes when the interface is up.</returns>
    /// <exception cref="InvalidOperationException">No configuration file or platform is configured.</exception>
    /// <exception cref="WireGuardConfigurationException">The file is not a valid <c>.conf</c> (the message names the line).</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string path = _options.ConfigurationFile is { Length: > 0 } file
            ? file
            : throw new InvalidOperationException("AddTunnelConnection needs a configuration file: set ConfigurationFile (for example \"Tunnel\": { \"ConfigurationFile\": \"/etc/wireguard/wg0.conf\" }).");
        var platform = (ITunnelPlatform?)_services.GetService(typeof(ITunnelPlatform))
            ?? throw new InvalidOperationException("AddTunnelConnection needs a platform: call UseSystemPlatform() (Tunnel.Platform) or UsePlatform(...) on the builder it returns.");
        var configuration = WireGuardConfiguration.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        var loggers = (ILoggerFactory?)_services.GetService(typeof(ILoggerFactory));
        string name = _options.ResolveInterfaceName();
        var connection = await TunnelConnection.OpenAsync(
            configuration,
            new TunnelConnectionOptions
            {
                InterfaceName = name,
                Platform = platform,
                ConfigureDns = _options.ConfigureDns,
                FailClosed = _options.FailClosed,
                LoggerFactory = loggers,
                TimeProvider = (TimeProvider?)_services.GetService(typeof(TimeProvider)),
                MeterFactory = (IMeterFactory?)_services.GetService(typeof(IMeterFactory)),
            },
            cancellationToken).ConfigureAwait(false);
        try
        {
            if (_options.ServeUapi)
            {
                _uapi = new UapiServer(connection.Host, _options.UapiSocketPath, loggers);
                _uapi.Start();
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _connection = connection;
    }

    /// <summary>Takes the connection down.</summary>
    /// <param name="cancellationToken">Not used: taking down always completes.</param>
    /// <returns>A task that completes when everything is undone.</returns>
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    /// <summary>Stops the UAPI server and takes the connection down; doing so twice is not an error.</summary>
    /// <returns>A task that completes when everything is undone.</returns>
    public async ValueTask DisposeAsync()
    {
        UapiServer? uapi = Interlocked.Exchange(ref _uapi, null);
        if (uapi is not null)
        {
            await uapi.DisposeAsync().ConfigureAwait(false);
        }

        TunnelConnection? connection = Interlocked.Exchange(ref _connection, null);
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
