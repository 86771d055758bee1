using System.Diagnostics.Metrics;
using System.Net;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Tunnel.Agent.Configuration;
using Tunnel.Connections;
using Tunnel.Dns;
using Tunnel.Platform.Linux;
using Tunnel.Routing;

namespace Tunnel.Agent.Service;

/// <summary>
/// One connection: the TUN interface and its addresses, the WireGuard device, the split-tunnel routes in
/// their own table, the DNS forwarder and the system resolver pointed at it. Opened whole or not at all,
/// and closed in the reverse order, so a disconnect leaves routes, rules and resolver as they were. When the
/// engine dies, <see cref="FailClosedAsync"/> closes it instead with the tunnel's routes turned into
/// prohibit routes, which the next connection (opened with <c>reconnecting</c>) replaces.
/// </summary>
internal sealed partial class AgentConnection : IAsyncDisposable
{
    private readonly LinuxRouteTable _table;
    private readonly LinuxRouteApplier _applier;
    private readonly ObservedRouteApplier _observed;
    private readonly ISystemResolverConfigurator? _resolver;
    private readonly IReadOnlyList<IPEndPoint> _gateways;
    private readonly ILogger _log;
    private int _disposed;

    private AgentConnection(TunnelHost host, LinuxRouteTable table, LinuxRouteApplier applier, ObservedRouteApplier observed, SplitTunnelController controller, DnsForwarder forwarder, ISystemResolverConfigurator? resolver, IReadOnlyList<IPEndPoint> gateways, IReadOnlyList<SplitTunnelRule> systemRules, DateTimeOffset since, ILogger log)
    {
        Host = host;
        _table = table;
        _applier = applier;
        _observed = observed;
        Controller = controller;
        Forwarder = forwarder;
        _resolver = resolver;
        _gateways = gateways;
        SystemRules = systemRules;
        Since = since;
        _log = log;
    }

    /// <summary>The WireGuard device.</summary>
    public TunnelHost Host { get; }

    /// <summary>The split-tunnel routes and what DNS answers taught them.</summary>
    public SplitTunnelController Controller { get; }

    /// <summary>The forwarder the system resolver points at.</summary>
    public DnsForwarder Forwarder { get; }

    /// <summary>The entries the connection itself needs: the gateway, direct; each DNS server, through the tunnel when its allowed IPs cover it.</summary>
    public IReadOnlyList<SplitTunnelRule> SystemRules { get; private set; }

    /// <summary>Queries the forwarder received, over UDP and TCP.</summary>
    public long DnsQueries
    {
        get
        {
            var statistics = Forwarder.Statistics;
            return statistics.UdpQueries + statistics.TcpQueries;
        }
    }

    /// <summary>When the connection was opened.</summary>
    public DateTimeOffset Since { get; }

    /// <summary>What points the system resolver at the forwarder (<c>resolv.conf</c>, <c>systemd-resolved</c>), or <c>none</c>.</summary>
    public string ResolverName { get; private init; } = "none";

    /// <summary>Opens a connection for <paramref name="settings"/>, which must name a tunnel.</summary>
    /// <param name="settings">The tunnel, mode, entries and DNS servers.</param>
    /// <param name="listen">Where the forwarder listens.</param>
    /// <param name="resolver">Where the system resolver is pointed at the forwarder.</param>
    /// <param name="resolverName">The resolver's name, for the status.</param>
    /// <param name="routesApplied">Told of each route change once the kernel has it.</param>
    /// <param name="loggers">Loggers for every part.</param>
    /// <param name="time">The clock for timers and learned-route expiry.</param>
    /// <param name="meters">Where the device's metrics go.</param>
    /// <param name="cancellationToken">Cancels the opening; what was made is closed again.</param>
    /// <param name="reconnecting">
    /// Whether a dead connection's prohibit routes and rules are in place: they are kept until this one's routes
    /// replace them, what is left of them is removed once it is up, and a failure keeps them (and turns this
    /// one's tunnel routes into more of them) instead of removing everything.
    /// </param>
    /// <exception cref="InvalidOperationException">The settings have no tunnel.</exception>
    [SupportedOSPlatform("linux")]
    public static async Task<AgentConnection> OpenAsync(AgentSettings settings, IPEndPoint listen, ISystemResolverConfigurator resolver, string resolverName, Action<RouteSetChange> routesApplied, ILoggerFactory loggers, TimeProvider time, IMeterFactory? meters, CancellationToken cancellationToken, bool reconnecting = false)
    {
        var configuration = settings.Tunnel ?? throw new InvalidOperationException("no tunnel is configured (the configuration file's \"tunnel\")");
        var peers = new List<TunnelPeerOptions>();
        foreach (var peer in configuration.Peers)
        {
            peers.Add(await TunnelPeerOptions.FromConfigurationAsync(peer, cancellationToken).ConfigureAwait(false));
        }

        // The socket's mark is the one the table's rule skips: the .conf's FwMark, else the table's own default.
        var tableOptions = AgentRecovery.TableOptions(settings);
        var options = TunnelOptions.FromConfiguration(configuration with { Peers = [] }) with { Peers = peers, FirewallMark = tableOptions.FirewallMark };

        var gateways = peers.Where(peer => peer.Endpoint is not null).Select(peer => peer.Endpoint!).ToList();
        var systemRules = SystemRulesFor(gateways, settings);
        var log = loggers.CreateLogger<AgentConnection>();
        LinuxTunDevice? tun = null;
        LinuxRouteTable? table = null;
        LinuxRouteApplier? applier = null;
        ObservedRouteApplier? observed = null;
        SplitTunnelController? controller = null;
        TunnelHost? host = null;
        DnsForwarder? forwarder = null;
        ISystemResolverConfigurator? applied = null;
        try
        {
            tun = LinuxTunDevice.Create(settings.Interface, new LinuxTunDeviceOptions { Mtu = options.Mtu });
            table = LinuxRouteTable.Create(tableOptions with { InterfaceName = tun.Name });
            if (!reconnecting)
            {
                int stale = table.RemoveStale();
                if (stale > 0)
                {
                    Log.StaleRemoved(log, stale);
                }
            }

            foreach (var address in configuration.Interface.Addresses)
            {
                table.AddAddress(address.Address, address.PrefixLength);
            }

            table.SetLinkUp();
            applier = new LinuxRouteApplier(table);
            observed = new ObservedRouteApplier(applier, routesApplied);
            controller = new SplitTunnelController(new SplitTunnelRouter(settings.ToPolicy(systemRules)), observed, time, loggers.CreateLogger<SplitTunnelController>());
            // The key is read now and lives only in the device, which wipes it when the connection closes.
            settings.TunnelKey!.Read(out var privateKey);
            var keyed = options with { PrivateKey = privateKey };
            privateKey.Clear();
            try
            {
                host = new TunnelHost(keyed, new ActivityReportingTunDevice(tun, controller), new LinuxUdpDatagramSocketFactory(), loggers, time, meters);
            }
            finally
            {
                keyed.ClearPrivateKey();
            }

            host.Start();
            await controller.StartAsync(cancellationToken).ConfigureAwait(false);
            if (reconnecting)
            {
                // This connection's routes have replaced the dead one's at the same prefixes, and its rules
                // were taken over: what is left (prohibit routes for prefixes no longer routed) goes now.
                int stale = table.RemoveStale();
                if (stale > 0)
                {
                    Log.StaleRemoved(log, stale);
                }
            }

            var forwarderOptions = new DnsForwarderOptions { ListenEndPoint = listen };
            foreach (var upstream in settings.EffectiveUpstreams())
            {
                forwarderOptions.Upstreams.Add(upstream);
            }

            foreach (var domain in settings.DnsFallbackDomains)
            {
                forwarderOptions.FallbackDomains.Add(domain);
            }

            forwarder = new DnsForwarder(forwarderOptions, controller, loggers.CreateLogger<DnsForwarder>());
            await forwarder.StartAsync(cancellationToken).ConfigureAwait(false);

            // resolv.conf has no port: a forwarder elsewhere than port 53 is for clients that ask it directly.
            if (listen.Port == 53)
            {
                applied = resolver;
                await resolver.ApplyAsync(new SystemResolverSettings([listen.Address], []), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Log.ResolverUntouched(log, listen);
            }

            return new AgentConnection(host, table, applier, observed, controller, forwarder, applied, gateways, systemRules, time.GetUtcNow(), log) { ResolverName = applied is null ? "none" : resolverName };
        }
        catch
        {
            if (reconnecting && table is not null)
            {
                observed?.Hold();
                Block(table, log);
            }

            await CloseAsync(applied, forwarder, controller, applier, table, host, host is null ? tun : null, log).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Applies changed settings without reconnecting: the policy (mode and entries) and the DNS servers.</summary>
    public async Task UpdateAsync(AgentSettings settings, CancellationToken cancellationToken)
    {
        Forwarder.SetUpstreams(settings.EffectiveUpstreams(), settings.DnsFallbackDomains);
        SystemRules = SystemRulesFor(_gateways, settings);
        await Controller.SetPolicyAsync(settings.ToPolicy(SystemRules), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Restores the resolver, removes every route and rule, and closes the interface.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (OperatingSystem.IsLinux())
        {
            await CloseAsync(_resolver, Forwarder, Controller, _applier, _table, Host, tun: null, _log).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes a connection whose engine died, failing closed: its tunnel routes become prohibit routes, which
    /// with the policy rules and the bypass routes stay in the kernel (they name no interface), so traffic the
    /// policy sends to the tunnel is refused instead of leaving directly until a new connection replaces them
    /// or the agent disconnects. The resolver, forwarder, controller and device are closed as usual.
    /// </summary>
    public async ValueTask FailClosedAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !OperatingSystem.IsLinux())
        {
            return;
        }

        _observed.Hold();
        Block(_table, _log);
        await CloseAsync(_resolver, Forwarder, Controller, _applier, _table, Host, tun: null, _log).ConfigureAwait(false);
    }

    /// <summary>Replaces the table's tunnel routes with prohibit routes and leaves everything it installed to the next table.</summary>
    [SupportedOSPlatform("linux")]
    private static void Block(LinuxRouteTable table, ILogger log)
    {
        int blocked = 0;
        foreach (var (destination, kind) in table.InstalledRoutes)
        {
            if (kind != LinuxRouteKind.Tunnel)
            {
                continue;
            }

            try
            {
                table.AddRoute(destination, LinuxRouteKind.Blocked);
                blocked++;
            }
            catch (Exception exception) when (exception is LinuxNetlinkException or ObjectDisposedException)
            {
                Log.BlockFailed(log, exception, destination);
            }
        }

        table.Detach();
        Log.Blocked(log, blocked);
    }

    [SupportedOSPlatform("linux")]
    private static async Task CloseAsync(ISystemResolverConfigurator? resolver, DnsForwarder? forwarder, SplitTunnelController? controller, LinuxRouteApplier? applier, LinuxRouteTable? table, TunnelHost? host, LinuxTunDevice? tun, ILogger log)
    {
        // The resolver first, so names never go to a forwarder that is gone; routes before the interface, so
        // no packet takes a route whose device vanished; the host last, since it closes the TUN device.
        if (resolver is not null)
        {
            await Attempt(() => resolver.RestoreAsync(CancellationToken.None), log).ConfigureAwait(false);
        }

        if (forwarder is not null)
        {
            await Attempt(forwarder.DisposeAsync, log).ConfigureAwait(false);
        }

        if (controller is not null)
        {
            await Attempt(() => new ValueTask(controller.StopAsync()), log).ConfigureAwait(false);
            await Attempt(controller.DisposeAsync, log).ConfigureAwait(false);
        }

        await Attempt(() => { applier?.Dispose(); table?.Dispose(); tun?.Dispose(); return ValueTask.CompletedTask; }, log).ConfigureAwait(false);
        if (host is not null)
        {
            await Attempt(host.DisposeAsync, log).ConfigureAwait(false);
        }
    }

    private static async Task Attempt(Func<ValueTask> step, ILogger log)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or LinuxNetlinkException or InvalidOperationException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            Log.CleanupFailed(log, exception);
        }
    }

    /// <summary>The system entries a connection adds: its gateways (direct), then its DNS servers (through the tunnel where its allowed IPs cover them).</summary>
    internal static List<SplitTunnelRule> SystemRulesFor(IEnumerable<IPEndPoint> gateways, AgentSettings settings)
    {
        var rules = new List<SplitTunnelRule>();
        foreach (var gateway in gateways)
        {
            rules.Add(SplitTunnelRule.ForSystem(Host(gateway.Address), RouteDecision.Direct, "the tunnel's gateway"));
        }

        // After the gateway, so a DNS server on the gateway's own address stays direct (ToPolicy keeps the first).
        rules.AddRange(settings.DnsSystemRules());
        return rules;

        static IPNetwork Host(IPAddress address) => new(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
    }

    private static partial class Log
    {
        [LoggerMessage(200, LogLevel.Information, "Removed {Count} routes and rules left by an earlier run")]
        public static partial void StaleRemoved(ILogger logger, int count);

        [LoggerMessage(201, LogLevel.Warning, "The DNS forwarder listens on {EndPoint}, not port 53: the system resolver is left as it is")]
        public static partial void ResolverUntouched(ILogger logger, IPEndPoint endPoint);

        [LoggerMessage(202, LogLevel.Warning, "A step of closing the connection failed")]
        public static partial void CleanupFailed(ILogger logger, Exception exception);

        [LoggerMessage(203, LogLevel.Warning, "The tunnel is down: {Count} of its routes now refuse traffic until it is back")]
        public static partial void Blocked(ILogger logger, int count);

        [LoggerMessage(204, LogLevel.Error, "Could not block {Destination} while the tunnel is down")]
        public static partial void BlockFailed(ILogger logger, Exception exception, IPNetwork destination);
    }
}
