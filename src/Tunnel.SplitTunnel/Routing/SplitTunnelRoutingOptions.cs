using Tunnel.Connections;
using Tunnel.Dns;

namespace Tunnel.Routing;

/// <summary>How a <see cref="SplitTunnelRouting"/> routes a connection.</summary>
public sealed record SplitTunnelRoutingOptions
{
    /// <summary>
    /// The mode and the rules. The tunnel's peer endpoints are added ahead of them as system rules that go
    /// direct, so the encrypted traffic never loops into the tunnel whatever the rules say.
    /// </summary>
    public required SplitTunnelPolicy Policy { get; init; }

    /// <summary>
    /// Creates the table the routes go into, for the connection's interface. When this is null: on Linux
    /// <see cref="LinuxRouteApplier.Factory"/> (with <c>LinuxRouteTableOptions</c>' defaults), on macOS and Windows
    /// <see cref="InterfaceRouteApplier.Factory"/> recording into <c>InterfaceRouteTable.DefaultStateDirectory</c>.
    /// </summary>
    public Func<TunnelRoutingContext, IFailClosedRouteApplier>? RouteApplier { get; init; }

    /// <summary>
    /// The DNS forwarder that teaches the router from answers (domain rules need it); none when null. Its
    /// upstream servers are the caller's to choose (the configuration's <c>DNS =</c>, for example), and each
    /// should be in <see cref="Policy"/> as a system rule that sends it the way it must go. It listens in the
    /// network namespace of the thread that opens the connection, whatever namespace the platform names.
    /// </summary>
    public DnsForwarderOptions? DnsForwarder { get; init; }

    /// <summary>
    /// Whether the system resolver is pointed at the forwarder while the connection is up. Only a forwarder on
    /// port 53 can be (the resolver files have no port); elsewhere it serves clients that ask it directly. True by default.
    /// </summary>
    public bool ConfigureSystemResolver { get; init; } = true;

    /// <summary>The resolver pointed at the forwarder; the connection's platform's when null.</summary>
    public ISystemResolverConfigurator? SystemResolver { get; init; }

    /// <summary>
    /// Whether an earlier connection's refusing routes and rules (left by <see cref="SplitTunnelRouting.FailClosed"/>)
    /// are to be taken over rather than removed first: they keep refusing until this connection's routes
    /// replace them, what is left is removed once it is up, and when this connection fails to open its own
    /// tunnel routes are turned into more of them. What a reconnect after the engine died wants. False by default:
    /// anything stale is removed before the first route.
    /// </summary>
    public bool TakeOverBlockedRoutes { get; init; }

    /// <summary>Told of each change once the system routes by it (for a watch stream or a log).</summary>
    public Action<RouteSetChange>? RoutesApplied { get; init; }
}
