namespace Tunnel.Connections;

/// <summary>
/// What steers traffic into a <see cref="TunnelConnection"/>'s interface when wg-quick's routes for the allowed
/// IPs are not what is wanted: a split-tunnel router that routes by policy and by DNS answers, for example
/// (<c>SplitTunnelRouting</c> in the <c>Tunnel.SplitTunnel</c> package). Given as
/// <see cref="TunnelConnectionOptions.Routing"/>, it replaces the allowed IPs' routes and rules; the interface
/// still gets its addresses and MTU from the configuration.
/// </summary>
/// <remarks>
/// <para>
/// One instance serves one connection, in this order: <see cref="Attach"/> once the TUN device exists (before
/// the WireGuard device takes it), <see cref="StartAsync"/> once the device runs and the interface has its
/// addresses, as the last step of opening, and <see cref="StopAsync"/> when the connection closes or its
/// opening fails, before the addresses go and the device closes.
/// </para>
/// <para>
/// The tunnel's own datagrams must not be routed into the tunnel: a routing that installs a default route
/// gives the device a firewall mark its rules skip (<see cref="TunnelHost.SetFirewallMark"/>) in
/// <see cref="StartAsync"/>, before its first route.
/// </para>
/// </remarks>
public interface ITunnelRouting
{
    /// <summary>
    /// Whether this routing points the system resolver somewhere itself (at a DNS forwarder of its own, for
    /// example); the connection then leaves the configuration's <c>DNS =</c> servers out of the system resolver.
    /// </summary>
    bool ConfiguresResolver { get; }

    /// <summary>
    /// Called once the TUN device exists: returns the device the WireGuard device will read and write, the
    /// same one or a wrapper that watches the traffic (which then owns <paramref name="device"/>). When it throws,
    /// it has undone what it did (the connection does not call <see cref="StopAsync"/>) and the device is still the caller's.
    /// </summary>
    /// <param name="device">The interface's TUN device.</param>
    /// <param name="context">The connection being opened.</param>
    /// <returns>The device to use.</returns>
    ITunDevice Attach(ITunDevice device, TunnelRoutingContext context);

    /// <summary>
    /// Installs the routes (and whatever else the routing needs). The last step of opening: when it throws,
    /// the connection is undone and <see cref="StopAsync"/> follows with <c>opened: false</c>.
    /// </summary>
    /// <param name="host">The running WireGuard device, with its peers.</param>
    /// <param name="cancellationToken">Cancels the opening.</param>
    /// <returns>A task that completes when traffic is routed by the routing.</returns>
    ValueTask StartAsync(TunnelHost host, CancellationToken cancellationToken);

    /// <summary>
    /// Removes what the routing installed, or, when <paramref name="opened"/> is false (the connection's opening
    /// failed), whatever the routing promises for a failed opening (all of it removed, unless it was told to keep
    /// traffic blocked). Best effort: a step that fails is logged, not thrown. Called once, after
    /// <see cref="Attach"/> returned.
    /// </summary>
    /// <param name="opened">Whether the connection had opened (false when its opening is being undone).</param>
    /// <returns>A task that completes when the routing is gone.</returns>
    ValueTask StopAsync(bool opened);
}
