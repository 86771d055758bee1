using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Tunnel.Agent.Configuration;
using Tunnel.Connections;
using Tunnel.DependencyInjection;
using Tunnel.LocalApi;
using Tunnel.Posture;
using Tunnel.Routing;

namespace Tunnel.Agent.Service;

/// <summary>
/// The agent's state and every change to it: the settings with where each came from, the connection, and
/// the events <c>watch</c> streams. Changes are serialized; reads take a snapshot and never wait for one.
/// Everything a setting changes is applied to a live connection in place, without reconnecting, except
/// entering or leaving <c>posture-only</c>, which by definition removes or installs the whole connection.
/// </summary>
internal sealed partial class AgentService : IAsyncDisposable
{
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly ISystemResolverConfigurator _resolver;
    private readonly bool _viaSystemdResolved;
    private readonly Func<string?, DevicePosture> _posture;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly IMeterFactory? _meters;
    private readonly Func<AgentSettings, int> _removeStaleRoutes;
    private readonly string? _localSettingsFile;
    private readonly TunnelConnectionService? _connections;
    private TunnelConnectionService? _ownConnections;
    private readonly DateTimeOffset _started;
    private AgentSettings _settings;
    private AgentConnection? _connection;
    private string _state = ConnectionStates.Disconnected;
    private string? _lastError;

    /// <summary>Creates the agent, disconnected.</summary>
    /// <param name="settings">The configuration file's settings.</param>
    /// <param name="resolver">Where the system resolver is pointed while connected.</param>
    /// <param name="posture">Collects the device's posture, given its public key.</param>
    /// <param name="loggers">Loggers.</param>
    /// <param name="time">The clock.</param>
    /// <param name="meters">Where metrics go.</param>
    /// <param name="viaSystemdResolved">Whether <paramref name="resolver"/> is systemd-resolved's (the forwarder then listens on the tunnel's address by default).</param>
    /// <param name="localSettingsFile">Where to keep changes made through the API across restarts; none when <see langword="null"/>.</param>
    /// <param name="removeStaleRoutes">Removes the routes and rules a crashed run left, returning how many; by default <see cref="Platform.Linux.LinuxRouteTable.RemoveStale(Platform.Linux.LinuxRouteTableOptions)"/> with <see cref="AgentRecovery.TableOptions"/>.</param>
    /// <param name="connections">
    /// Opens and closes the connection (<c>AddTunnelConnection</c> with <c>OpenOnStart = false</c>); by default one
    /// on <see cref="Platform.SystemTunnelPlatform.Current"/> for <see cref="AgentSettings.Interface"/>.
    /// </param>
    public AgentService(AgentSettings settings, ISystemResolverConfigurator resolver, Func<string?, DevicePosture> posture, ILoggerFactory loggers, TimeProvider? time = null, IMeterFactory? meters = null, bool viaSystemdResolved = false, string? localSettingsFile = null, Func<AgentSettings, int>? removeStaleRoutes = null, TunnelConnectionService? connections = null)
    {
        _connections = connections;
        _removeStaleRoutes = removeStaleRoutes ?? RemoveStaleRoutes;
        _localSettingsFile = localSettingsFile;
        _settings = settings;
        _resolver = resolver;
        _viaSystemdResolved = viaSystemdResolved;
        _posture = posture;
        _loggers = loggers;
        _log = loggers.CreateLogger<AgentService>();
        _time = time ?? TimeProvider.System;
        _meters = meters;
        _started = _time.GetUtcNow();
        Metrics = new AgentMetrics(this, meters);
    }

    /// <summary>The events <c>watch</c> streams.</summary>
    public AgentEvents Events { get; } = new();

    /// <summary>The agent's instruments.</summary>
    public AgentMetrics Metrics { get; }

    /// <summary>The effective settings now.</summary>
    public AgentSettings Settings => Volatile.Read(ref _settings);

    /// <summary>The connection now, if connected in a tunnel mode.</summary>
    internal AgentConnection? Connection => Volatile.Read(ref _connection);

    /// <summary>The connection state (<see cref="ConnectionStates"/>).</summary>
    public string State => Volatile.Read(ref _state);

    /// <summary>The last failure, until the next successful connect.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>The local API's connection limit and its counts, once the host serves it.</summary>
    public LocalApi.LocalApiConnectionLimit? ApiConnections { get; set; }

    /// <summary>Reports a problem found at start (local settings set aside): the last error, and an <c>error</c> event.</summary>
    public void ReportProblem(string problem)
    {
        Volatile.Write(ref _lastError, problem);
        Publish("error", problem);
    }

    /// <summary>Since when the agent runs.</summary>
    public DateTimeOffset Started => _started;

    /// <summary>
    /// Undoes what a process that died without disconnecting left: its throw and prohibit routes and policy
    /// rules (the TUN device and its routes died with it), and the resolver pointed at its forwarder. Each step
    /// runs whatever the other did; a failure (a corrupt saved resolver state, which is renamed aside) is
    /// logged and kept as <see cref="LastError"/>, so the agent starts and says what is wrong instead of failing
    /// to start again and again.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var routes = AgentRecovery.RemoveStaleRoutes(_removeStaleRoutes, Settings);
        if (routes.Done is not null)
        {
            Log.RoutesRecovered(_log, routes.Done);
        }

        string? statePath = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? AgentRecovery.StatePathOf(_resolver) : null;
        var resolver = await AgentRecovery.RestoreResolverAsync(_resolver, _viaSystemdResolved ? "systemd-resolved" : Settings.ResolvConf, statePath, _time).ConfigureAwait(false);
        if (resolver.Done is not null)
        {
            Log.ResolverRecovered(_log);
        }

        string[] problems = [.. new[] { routes.Problem, resolver.Problem }.OfType<string>()];
        if (problems.Length > 0)
        {
            string problem = $"recovering from an earlier run: {string.Join("; ", problems)}";
            Log.RecoveryFailed(_log, problem);
            Volatile.Write(ref _lastError, problem);
            Publish("recovery", problem);
        }
    }

    /// <summary>Connects (in <c>posture-only</c> mode: starts reporting posture, touching nothing else).</summary>
    /// <exception cref="AgentRequestException">Already connected, or no tunnel configured.</exception>
    public async Task<StatusResponse> ConnectAsync(CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State != ConnectionStates.Disconnected)
            {
                throw AgentRequestException.Conflict($"already {State}");
            }

            await OpenAsync(Settings, cancellationToken).ConfigureAwait(false);
            return GetStatus();
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Disconnects: the resolver, routes and rules go back to what they were.</summary>
    /// <exception cref="AgentRequestException">Not connected.</exception>
    public async Task<StatusResponse> DisconnectAsync(CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State == ConnectionStates.Disconnected)
            {
                throw AgentRequestException.Conflict("not connected");
            }

            await CloseAsync().ConfigureAwait(false);
            return GetStatus();
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Disconnects if connected.</summary>
    public async ValueTask DisposeAsync()
    {
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            if (State != ConnectionStates.Disconnected)
            {
                await CloseAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _changes.Release();
        }

        Metrics.Dispose();
    }

    private async Task OpenAsync(AgentSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Mode == AgentMode.PostureOnly)
        {
            SetState(ConnectionStates.PostureOnly, "reporting posture only: no routes, no DNS changes");
            return;
        }

        if (settings.Tunnel is null)
        {
            throw AgentRequestException.Conflict("no tunnel is configured (the configuration file's \"tunnel\")");
        }

        if (!CanConnect)
        {
            throw AgentRequestException.Conflict("connecting needs Linux, macOS or Windows; posture-only mode works anywhere");
        }

        SetState(ConnectionStates.Connecting, $"connecting {settings.Interface} in {AgentConfigurationLoader.FormatMode(settings.Mode)} mode");
        try
        {
            var connection = await AgentConnection.OpenAsync(Connections(settings), settings, settings.EffectiveDnsListen(_viaSystemdResolved), _resolver, _viaSystemdResolved ? "systemd-resolved" : "resolv.conf", OnRoutesApplied, _time, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _connection, connection);
            Volatile.Write(ref _lastError, null);
            SetState(ConnectionStates.Connected, $"connected in {AgentConfigurationLoader.FormatMode(settings.Mode)} mode");
            Watch(connection);
        }
        catch (Exception exception) when (exception is not OperationCanceledException and not AgentRequestException)
        {
            Volatile.Write(ref _lastError, exception.Message);
            Log.ConnectFailed(_log, exception);
            SetState(ConnectionStates.Disconnected, $"connecting failed: {exception.Message}");
            throw new AgentRequestException(500, $"connecting failed: {exception.Message}");
        }
    }

    /// <summary>The service that opens the connection: the one given, else one of the agent's own on the running OS's platform.</summary>
    private TunnelConnectionService Connections(AgentSettings settings) =>
        _connections ?? LazyInitializer.EnsureInitialized(ref _ownConnections, () => new TunnelConnectionService(
            new TunnelConnectionServiceOptions { OpenOnStart = false, InterfaceName = settings.Interface },
            Platform.SystemTunnelPlatform.Current,
            _loggers,
            _time,
            _meters));

    private async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            SetState(ConnectionStates.Disconnecting, "disconnecting");
            await connection.DisposeAsync().ConfigureAwait(false);

            // The device wiped its keys; copies that died on the way (records made at start) may still sit in
            // unreclaimed heap memory until it is reused. A compacting collection of everything moves live
            // objects over them and returns the rest, so a disconnected agent holds no private key at all.
            // Disconnecting is rare; the pause is a few milliseconds.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        else if (await StopReconnectingAsync().ConfigureAwait(false))
        {
            SetState(ConnectionStates.Disconnecting, "disconnecting");
        }

        SetState(ConnectionStates.Disconnected, "disconnected");
    }

    private void OnRoutesApplied(RouteSetChange change)
    {
        foreach (var route in change.Added)
        {
            Events.Publish(new AgentEvent(_time.GetUtcNow(), "route-added", route.ToString()));
        }

        foreach (var route in change.Removed)
        {
            Events.Publish(new AgentEvent(_time.GetUtcNow(), "route-removed", route.ToString()));
        }
    }

    private void SetState(string state, string message)
    {
        Volatile.Write(ref _state, state);
        Events.Publish(new AgentEvent(_time.GetUtcNow(), "status", message, GetStatus()));
    }

    private void Publish(string type, string message) => Events.Publish(new AgentEvent(_time.GetUtcNow(), type, message));

    /// <summary>Whether this OS has the adapters a connection needs.</summary>
    [System.Runtime.Versioning.SupportedOSPlatformGuard("linux")]
    [System.Runtime.Versioning.SupportedOSPlatformGuard("macos")]
    [System.Runtime.Versioning.SupportedOSPlatformGuard("windows")]
    internal static bool CanConnect => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsWindows();

    /// <summary>Removes what a dead run left in the routing table: Linux's marked routes and rules, or the routes macOS and Windows journaled outside the interface.</summary>
    internal static int RemoveStaleRoutes(AgentSettings settings)
    {
        if (OperatingSystem.IsLinux())
        {
            return Platform.Linux.LinuxRouteTable.RemoveStale(AgentRecovery.TableOptions(settings));
        }

        // macOS and Windows: what a dead run recorded outside its (now gone) interface.
        if (OperatingSystem.IsMacOS() || OperatingSystem.IsWindows())
        {
            return Platform.InterfaceRouteTable.RemoveStale(Platform.InterfaceRouteTable.DefaultStateDirectory);
        }

        return 0;
    }

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Information, "Restored the system resolver left pointed at the forwarder by an earlier run")]
        public static partial void ResolverRecovered(ILogger logger);

        [LoggerMessage(303, LogLevel.Information, "Left by an earlier run: {What}")]
        public static partial void RoutesRecovered(ILogger logger, string what);

        [LoggerMessage(305, LogLevel.Error, "{Problem}")]
        public static partial void RecoveryFailed(ILogger logger, string problem);

        [LoggerMessage(304, LogLevel.Warning, "Local changes could not be saved to {Path}; the change was refused and undone")]
        public static partial void LocalSettingsNotSaved(ILogger logger, Exception exception, string path);

        [LoggerMessage(301, LogLevel.Information, "Setting {Name} changed: {Description}")]
        public static partial void SettingChanged(ILogger logger, string name, string description);

        [LoggerMessage(302, LogLevel.Error, "Connecting failed")]
        public static partial void ConnectFailed(ILogger logger, Exception exception);
    }
}
