using Tunnel.Configuration;

namespace Tunnel.Connections;

/// <summary>
/// What a <see cref="TunnelConnection"/> asks its <see cref="ITunnelInterfaceConfigurator"/> to apply: what
/// <c>wg-quick up</c> does with <c>ip</c> after the device exists.
/// </summary>
public sealed record TunnelInterfaceSettings
{
    /// <summary>The interface's addresses (<c>Address =</c>).</summary>
    public IReadOnlyList<InterfaceAddress> Addresses { get; init; } = [];

    /// <summary>The routes out of the interface, in the order they are added (longest prefixes first, as wg-quick adds them).</summary>
    public IReadOnlyList<TunnelRoute> Routes { get; init; } = [];

    /// <summary>
    /// The full-tunnel policy rules, one per address family that has a default route: every destination
    /// that the main table routes no more specifically than its default route is looked up in the rule's
    /// table, except the tunnel's own datagrams, which carry its firewall mark.
    /// </summary>
    public IReadOnlyList<TunnelPolicyRule> PolicyRules { get; init; } = [];

    /// <summary>
    /// Whether each route out of the interface has a refusing route behind it that outlives the interface,
    /// so that traffic meant for the tunnel is refused, not sent directly, if the process dies.
    /// </summary>
    public bool FailClosed { get; init; } = true;

    /// <summary>
    /// The peers' endpoint addresses as resolved when the connection opened. Where the OS has no policy routing
    /// (macOS), a full tunnel keeps each off the tunnel with a host route through the route the system had for
    /// it, as wg-quick does there; Linux's policy rules and firewall mark make them unneeded.
    /// </summary>
    public IReadOnlyList<System.Net.IPAddress> PeerEndpoints { get; init; } = [];
}
