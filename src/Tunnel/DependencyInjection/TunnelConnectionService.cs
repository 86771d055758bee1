using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tunnel.Configuration;
using Tunnel.Connections;
using Tunnel.Uapi;

namespace Tunnel.DependencyInjection;

/// <summary>
/// The hosted service <c>AddTunnelConnection</c> registers: one connection at a time, brought up from the
/// configured <c>.conf</c> when the application starts (a failure stops the start, with nothing left behind),
/// or on demand through <see cref="OpenAsync"/> when <see cref="TunnelConnectionServiceOptions.OpenOnStart"/> is
/// false, and taken down when the application stops. Inject it to reach the <see cref="Connection"/> and its live API.
/// </summary>
public sealed class TunnelConnectionService : IHostedService, IAsyncDisposable
{
    private readonly TunnelConnectionServiceOptions _options;
    private readonly IServiceProvider? _services;
    private readonly ITunnelPlatform? _platform;
    private readonly ILoggerFactory? _loggers;
    private readonly TimeProvider? _time;
    private readonly IMeterFactory? _meters;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TunnelConnection? _connection;
    private UapiServer? _uapi;

    /// <summary>Created by the container.</summary>
    /// <param name="options">The bound options.</param>
    /// <param name="services">Where the platform, loggers, clock and meters come from.</param>
    public TunnelConnectionService(IOptions<TunnelConnectionServiceOptions> options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        _options = options.Value;
        _services = services;
    }

    /// <summary>Creates the service without a container, for an application that composes its own parts.</summary>
    /// <param name="options">The options.</param>
    /// <param name="platform">The platform's adapters.</param>
    /// <param name="loggerFactory">Where the connection logs; none when null.</param>
    /// <param name="timeProvider">The connection's clock; the system's when null.</param>
    /// <param name="meterFactory">Where the connection's metrics go; a meter of its own when null.</param>
    public TunnelConnectionService(TunnelConnectionServiceOptions options, ITunnelPlatform platform, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(platform);
        _options = options;
        _platform = platform;
        _loggers = loggerFactory;
        _time = timeProvider;
        _meters = meterFactory;
    }

    /// <summary>The open connection.</summary>
    /// <exception cref="InvalidOperationException">No connection is open: the host has not started it, or it was closed.</exception>
    public TunnelConnection Connection => Volatile.Read(ref _connection) ?? throw new InvalidOperationException("The tunnel connection is not open: the host has not started it, or it was closed.");

    /// <summary>Whether a connection is open.</summary>
    public bool IsOpen => Volatile.Read(ref _connection) is not null;

    /// <summary>Opens <see cref="TunnelConnectionServiceOptions.ConfigurationFile"/>, unless <see cref="TunnelConnectionServiceOptions.OpenOnStart"/> is false.</summary>
    /// <param name="cancellationToken">Cancels the opening.</param>
    /// <returns>A task that completes when the interface is up.</returns>
    /// <exception cref="InvalidOperationException">No configuration file or platform is configured.</exception>
    /// <exception cref="WireGuardConfigurationException">The file is not a valid <c>.conf</c> (the message names the line).</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.OpenOnStart)
        {
            return;
        }

        string path = _options.ConfigurationFile is { Length: > 0 } file
            ? file
            : throw new InvalidOperationException("AddTunnelConnection needs a configuration file: set ConfigurationFile (for example \"Tunnel\": { \"ConfigurationFile\": \"/etc/wireguard/wg0.conf\" }), or OpenOnStart = false.");
        _ = Platform(); // said before the file is read: the missing platform is the first thing to fix
        var configuration = WireGuardConfiguration.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
        try
        {
            await OpenAsync(configuration, routing: null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            configuration.Interface.ClearPrivateKey();
        }
    }

    /// <summary>
    /// Brings <paramref name="configuration"/> up as the service's connection (and serves UAPI for it, when asked),
    /// with the service's interface name, platform, loggers, clock and meters.
    /// </summary>
    /// <param name="configuration">The <c>.conf</c>, with its private key; the caller still owns (and wipes) it.</param>
    /// <param name="routing">What steers traffic into the interface instead of the allowed IPs' routes; null for wg-quick's.</param>
    /// <param name="cancellationToken">Cancels the opening; what was done is undone.</param>
    /// <returns>The open connection, also <see cref="Connection"/>.</returns>
    /// <exception cref="InvalidOperationException">A connection is open already, or no platform or interface name is configured.</exception>
    /// <remarks>Fails as <see cref="TunnelConnection.OpenAsync"/> does, leaving nothing behind.</remarks>
    public async Task<TunnelConnection> OpenAsync(WireGuardConfiguration configuration, ITunnelRouting? routing = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is not null)
            {
                throw new InvalidOperationException("A tunnel connection is open already: close it first.");
            }

            var platform = Platform();
            string name = _options.ResolveInterfaceName() is { Length: > 0 } resolved
                ? resolved
                : throw new InvalidOperationException("The connection needs an interface name: set InterfaceName, or ConfigurationFile to take it from.");
            var loggers = _loggers ?? (ILoggerFactory?)_services?.GetService(typeof(ILoggerFactory));
            var connection = await TunnelConnection.OpenAsync(
                configuration,
                new TunnelConnectionOptions
                {
                    InterfaceName = name,
                    Platform = platform,
                    Routing = routing,
                    ConfigureDns = _options.ConfigureDns,
                    FailClosed = _options.FailClosed,
                    LoggerFactory = loggers,
                    TimeProvider = _time ?? (TimeProvider?)_services?.GetService(typeof(TimeProvider)),
                    MeterFactory = _meters ?? (IMeterFactory?)_services?.GetService(typeof(IMeterFactory)),
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
                _uapi = null;
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            Volatile.Write(ref _connection, connection);
            return connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    private ITunnelPlatform Platform() =>
        _platform ?? (ITunnelPlatform?)_services?.GetService(typeof(ITunnelPlatform))
        ?? throw new InvalidOperationException("AddTunnelConnection needs a platform: call UseSystemPlatform() (Tunnel.Platform) or UsePlatform(...) on the builder it returns.");

    /// <summary>Stops the UAPI server and takes the connection down; nothing happens when none is open.</summary>
    /// <returns>A task that completes when everything is undone.</returns>
    public async Task CloseAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Interlocked.Exchange(ref _uapi, null) is { } uapi)
            {
                await uapi.DisposeAsync().ConfigureAwait(false);
            }

            if (Interlocked.Exchange(ref _connection, null) is { } connection)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Takes the connection down.</summary>
    /// <param name="cancellationToken">Not used: taking down always completes.</param>
    /// <returns>A task that completes when everything is undone.</returns>
    public Task StopAsync(CancellationToken cancellationToken) => CloseAsync();

    /// <summary>Takes the connection down; doing so twice is not an error.</summary>
    /// <returns>A task that completes when everything is undone.</returns>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);
}
