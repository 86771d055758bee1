using System.Net;
using System.Runtime.Versioning;
using Tunnel.Agent.Configuration;
using Tunnel.Connections;
using Tunnel.DependencyInjection;
using Tunnel.Dns;
using Tunnel.Routing;

namespace Tunnel.Agent.Service;

/// <summary>
/// One connection, composed from the library: a <see cref="TunnelConnection"/> (TUN device, WireGuard device,
/// addresses), opened through the <see cref="TunnelConnectionService"/> that <c>AddTunnelConnection</c> registers,
/// routed by a <see cref="SplitTunnelRouting"/> (the split-tunnel routes in their own table, the DNS
/// forwarder, the system resolver pointed at it). The agent's part is the mapping of its settings onto them.
/// </summary>
internal sealed class AgentConnection : IAsyncDisposable
{
    private readonly TunnelConnectionService _connections;
    private readonly TunnelConnection _connection;
    private readonly SplitTunnelRouting _routing;
    private int _closed;

    private AgentConnection(TunnelConnectionService connections, TunnelConnection connection, SplitTunnelRouting routing, DateTimeOffset since, string resolverName)
    {
        _connections = connections;
        _connection = connection;
        _routing = routing;
        Since = since;
        ResolverName = resolverName;
    }

    /// <summary>The WireGuard device.</summary>
    public TunnelHost Host => _connection.Host;

    /// <summary>The split-tunnel routes and what DNS answers taught them.</summary>
    public SplitTunnelController Controller => _routing.Controller!;

    /// <summary>The forwarder the system resolver points at.</summary>
    public DnsForwarder Forwarder => _routing.Forwarder!;

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
    public string ResolverName { get; }

    /// <summary>Opens a connection for <paramref name="settings"/>, which must name a tunnel.</summary>
    /// <param name="connections">The service that opens it, with the platform, loggers, clock and meters.</param>
    /// <param name="settings">The tunnel, mode, entries and DNS servers.</param>
    /// <param name="listen">Where the forwarder listens.</param>
    /// <param name="resolver">Where the system resolver is pointed at the forwarder.</param>
    /// <param name="resolverName">The resolver's name, for the status.</param>
    /// <param name="routesApplied">Told of each route change once the kernel has it.</param>
    /// <param name="time">The clock, for <see cref="Since"/>.</param>
    /// <param name="cancellationToken">Cancels the opening; what was made is closed again.</param>
    /// <param name="reconnecting">
    /// Whether a dead connection's refusing routes and rules are in place: this one takes them over (see
    /// <see cref="SplitTunnelRoutingOptions.TakeOverBlockedRoutes"/>).
    /// </param>
    /// <exception cref="InvalidOperationException">The settings have no tunnel, or its key cannot be read.</exception>
    [SupportedOSPlatform("linux")]
    [SupportedOSPlatform("macos")]
    [SupportedOSPlatform("windows")]
    public static async Task<AgentConnection> OpenAsync(TunnelConnectionService connections, AgentSettings settings, IPEndPoint listen, ISystemResolverConfigurator resolver, string resolverName, Action<RouteSetChange> routesApplied, TimeProvider time, CancellationToken cancellationToken, bool reconnecting = false)
    {
        var configuration = settings.Tunnel ?? throw new InvalidOperationException("no tunnel is configured (the configuration file's \"tunnel\")");
        var forwarder = new DnsForwarderOptions { ListenEndPoint = listen };
        foreach (var upstream in settings.EffectiveUpstreams())
        {
            forwarder.Upstreams.Add(upstream);
        }

        foreach (var domain in settings.DnsFallbackDomains)
        {
            forwarder.FallbackDomains.Add(domain);
        }

        var routing = new SplitTunnelRouting(new SplitTunnelRoutingOptions
        {
            Policy = settings.ToPolicy(settings.DnsSystemRules()),
            RouteApplier = RouteApplier(settings),
            DnsForwarder = forwarder,
            SystemResolver = resolver,
            TakeOverBlockedRoutes = reconnecting,
            RoutesApplied = routesApplied,
        });

        // The key is read now and lives only in the device, which wipes it when the connection closes.
        settings.TunnelKey!.Read(out var privateKey);
        var keyed = configuration with { Interface = configuration.Interface with { PrivateKey = privateKey } };
        privateKey.Clear();
        try
        {
            var connection = await connections.OpenAsync(keyed, routing, cancellationToken).ConfigureAwait(false);
            return new AgentConnection(connections, connection, routing, time.GetUtcNow(), routing.ResolverConfigured ? resolverName : "none");
        }
        finally
        {
            keyed.Interface.ClearPrivateKey();
        }
    }

    /// <summary>Linux: a table of the agent's own with policy rules; macOS and Windows have one table, shared.</summary>
    [SupportedOSPlatform("linux")]
    [SupportedOSPlatform("macos")]
    [SupportedOSPlatform("windows")]
    private static Func<TunnelRoutingContext, IFailClosedRouteApplier> RouteApplier(AgentSettings settings)
    {
        if (OperatingSystem.IsMacOS() || OperatingSystem.IsWindows())
        {
            return InterfaceRouteApplier.Factory(Platform.InterfaceRouteTable.DefaultStateDirectory);
        }

        if (OperatingSystem.IsLinux())
        {
            return LinuxRouteApplier.Factory(AgentRecovery.TableOptions(settings));
        }

        throw new PlatformNotSupportedException();
    }

    /// <summary>Applies changed settings without reconnecting: the policy (mode and entries) and the DNS servers.</summary>
    public async Task UpdateAsync(AgentSettings settings, CancellationToken cancellationToken)
    {
        Forwarder.SetUpstreams(settings.EffectiveUpstreams(), settings.DnsFallbackDomains);
        await _routing.SetPolicyAsync(settings.ToPolicy(settings.DnsSystemRules()), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Restores the resolver, removes every route and rule, and closes the interface.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes a connection whose engine died, failing closed: its tunnel routes become refusing routes which,
    /// with the rules and the direct routes, stay in the kernel (they name no interface), so traffic the
    /// policy sends to the tunnel is refused instead of leaving directly until a new connection replaces them
    /// or the agent disconnects. The resolver, forwarder and device are closed as usual.
    /// </summary>
    public async ValueTask FailClosedAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _routing.FailClosed();
            await CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes this connection through the service, which then has none open; a later one is not touched.</summary>
    private async Task CloseAsync()
    {
        if (_connections.IsOpen && ReferenceEquals(_connections.Connection, _connection))
        {
            await _connections.CloseAsync().ConfigureAwait(false);
        }
        else
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
