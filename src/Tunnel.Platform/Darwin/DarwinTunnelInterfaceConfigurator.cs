using System.Runtime.Versioning;
using Tunnel.Connections;
using Tunnel.Platform.Darwin.Internal;
using Tunnel.Platform.Internal;

namespace Tunnel.Platform.Darwin;

/// <summary>
/// The macOS <see cref="ITunnelInterfaceConfigurator"/>, doing what wg-quick's darwin script does: the
/// addresses (<c>SIOCAIFADDR</c>, <c>SIOCAIFADDR_IN6</c>), a route through the utun interface for each allowed
/// network (<c>RTM_ADD</c> on a <c>PF_ROUTE</c> socket), and for a full tunnel the two halves of the address space,
/// which outrank the system's default route without replacing it, after a host route for each peer endpoint
/// through the route the system had for it (or a blackhole when it had none, so no datagram of the tunnel's
/// own is looped into it). Every route carries <c>RTF_PROTO1</c>; disposing removes what was added, in reverse.
/// </summary>
/// <remarks>
/// macOS has one routing table, so <see cref="FindUnusedTable"/> returns its argument, and a <c>Table =</c> in the
/// configuration routes in that table. The routes through the interface go away with it; the endpoint routes
/// through the physical interface are removed on dispose, and after a crash by the next configurator given the same
/// route state directory. With <see cref="TunnelInterfaceSettings.FailClosed"/> (the default) each allowed network gets
/// a blackhole route at its own prefix (through loopback, so it outlives the interface; journaled with the endpoint
/// routes) and is routed through the interface as its two halves, one bit longer, so that when the process dies and
/// the interface goes with its routes, the blackholes refuse what the tunnel carried instead of the system's default
/// route sending it direct (a full tunnel: blackholes at <c>0.0.0.0/1</c> and <c>128.0.0.0/1</c>, the tunnel's four
/// quarters in front). A host route (<c>/32</c>, <c>/128</c>) cannot be split and has none. The next configurator or
/// <c>InterfaceRouteTable.RemoveStale</c> removes the blackholes a dead process left.
/// </remarks>
[SupportedOSPlatform("macos")]
public sealed class DarwinTunnelInterfaceConfigurator : ITunnelInterfaceConfigurator
{
    private readonly SingleTableConfigurator<DarwinRoute> _configurator;

    /// <summary>Opens a routing socket for <paramref name="interfaceName"/>.</summary>
    /// <param name="interfaceName">The utun interface, which must exist.</param>
    /// <param name="routeStateDirectory">
    /// Where to record the endpoints' routes (outside the interface, so they outlive it) before they exist; what a
    /// process that died recorded there for an interface that is gone, or for this one, is removed first. Null records nothing.
    /// </param>
    /// <exception cref="IOException">The routing socket cannot be opened, or the interface does not exist.</exception>
    public DarwinTunnelInterfaceConfigurator(string interfaceName, string? routeStateDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        InterfaceName = interfaceName;
        var network = new DarwinNetwork();
        try
        {
            RouteJournal<DarwinRoute>? journal = null;
            if (routeStateDirectory is not null)
            {
                _ = RouteJournal<DarwinRoute>.RemoveStale(routeStateDirectory, DarwinRouteCodec.Instance, static name => Interop.Unix.Interop.IfNameToIndex(name) != 0, network.DeleteRoute, current: interfaceName);
                journal = new RouteJournal<DarwinRoute>(RouteJournal<DarwinRoute>.PathFor(routeStateDirectory, interfaceName, "connection"), DarwinRouteCodec.Instance);
            }

            _configurator = new SingleTableConfigurator<DarwinRoute>(new SingleTablePlan<DarwinRoute>(new DarwinInterfaceRoutes(network, interfaceName), journal), afterUndo: network.Dispose);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The interface configured.</summary>
    public string InterfaceName { get; }

    /// <inheritdoc/>
    public uint FindUnusedTable(uint first) => first;

    /// <inheritdoc/>
    public ValueTask ApplyAsync(TunnelInterfaceSettings settings, CancellationToken cancellationToken) => _configurator.ApplyAsync(this, settings, cancellationToken);

    /// <summary>Removes the routes and addresses added, in reverse order; failures (the interface already gone) do not stop the rest.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync() => _configurator.DisposeAsync();
}
