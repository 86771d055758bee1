using System.Net.Sockets;
using System.Runtime.Versioning;
using Tunnel.Connections;
using Tunnel.Platform.Linux;

namespace Tunnel.Routing;

/// <summary>
/// The Linux <see cref="IRouteApplier"/>: a split-tunnel router's routes go into a <see cref="LinuxRouteTable"/>,
/// <see cref="RouteDecision.Tunnel"/> as routes out of the tunnel interface and <see cref="RouteDecision.Direct"/>
/// as throw routes (the lookup falls through to the main table). The first time a family has a route, the
/// table's policy rules for that family are installed, after the routes, so traffic is never sent to a table
/// that is still empty. <see cref="Dispose"/> removes the rules, the routes and anything else the table added.
/// </summary>
/// <remarks>
/// The tunnel's own datagrams must not be routed into the tunnel: give the WireGuard socket the table's
/// firewall mark (the rules skip marked packets), or list the endpoints as system entries that go direct.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class LinuxRouteApplier : IFailClosedRouteApplier
{
    private readonly bool _installPolicyRules;

    /// <summary>Applies routes to <paramref name="table"/>, which this applier then owns.</summary>
    /// <param name="table">The table.</param>
    /// <param name="installPolicyRules">Whether to install the table's policy rules when a family first has a route (wg-quick's arrangement); without them nothing consults the table unless the caller adds its own rules.</param>
    public LinuxRouteApplier(LinuxRouteTable table, bool installPolicyRules = true)
    {
        ArgumentNullException.ThrowIfNull(table);
        Table = table;
        _installPolicyRules = installPolicyRules;
    }

    /// <summary>The table the routes go into.</summary>
    public LinuxRouteTable Table { get; }

    /// <inheritdoc/>
    public uint FirewallMark => Table.Options.FirewallMark;

    /// <summary>
    /// Creates the applier for a connection's interface: a new <see cref="LinuxRouteTable"/> with
    /// <paramref name="options"/> (its <see cref="LinuxRouteTableOptions.InterfaceName"/> replaced by the
    /// interface's), opened in the connection's network namespace when its platform is a
    /// <see cref="LinuxTunnelPlatform"/> with one.
    /// </summary>
    /// <param name="options">The table, mark, rule priority and protocol; the interface name is ignored.</param>
    /// <returns>A factory for <see cref="SplitTunnelRoutingOptions.RouteApplier"/>.</returns>
    public static Func<TunnelRoutingContext, IFailClosedRouteApplier> Factory(LinuxRouteTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return context =>
        {
            var table = options with { InterfaceName = context.InterfaceName };
            return new LinuxRouteApplier(context.Platform is LinuxTunnelPlatform platform ? platform.CreateRouteTable(table) : LinuxRouteTable.Create(table));
        };
    }

    /// <inheritdoc/>
    /// <exception cref="LinuxNetlinkException">The kernel refused a dump or a deletion.</exception>
    public int RemoveStale() => Table.RemoveStale();

    /// <inheritdoc/>
    public int BlockAndRelease()
    {
        int blocked = 0;
        foreach (var (destination, kind) in Table.InstalledRoutes)
        {
            if (kind != LinuxRouteKind.Tunnel)
            {
                continue;
            }

            try
            {
                Table.AddRoute(destination, LinuxRouteKind.Blocked);
                blocked++;
            }
            catch (Exception exception) when (exception is LinuxNetlinkException or ObjectDisposedException)
            {
                // Best effort: the table's fail-closed routes (LinuxRouteTableOptions.FailClosed) still stand behind this one.
            }
        }

        Table.Detach();
        return blocked;
    }

    /// <inheritdoc/>
    /// <exception cref="LinuxNetlinkException">The kernel refused a route; the routes before it are in place.</exception>
    public ValueTask ApplyAsync(RouteSetChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        cancellationToken.ThrowIfCancellationRequested();

        // Each request is a netlink round trip of microseconds: synchronous is cheaper than a thread hop.
        foreach (var route in change.Removed)
        {
            Table.RemoveRoute(route.Destination);
        }

        bool ipv4 = false, ipv6 = false;
        foreach (var route in change.Added)
        {
            Table.AddRoute(route.Destination, route.Decision == RouteDecision.Tunnel ? LinuxRouteKind.Tunnel : LinuxRouteKind.Bypass);
            bool isIPv6 = route.Destination.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
            ipv4 |= !isIPv6;
            ipv6 |= isIPv6;
        }

        if (_installPolicyRules)
        {
            var installed = Table.PolicyRuleFamilies;
            if (ipv4 && !installed.Contains(AddressFamily.InterNetwork))
            {
                Table.InstallPolicyRules(AddressFamily.InterNetwork);
            }

            if (ipv6 && !installed.Contains(AddressFamily.InterNetworkV6))
            {
                Table.InstallPolicyRules(AddressFamily.InterNetworkV6);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Removes the policy rules, the routes and the addresses the table added.</summary>
    public void Dispose() => Table.Dispose();
}
