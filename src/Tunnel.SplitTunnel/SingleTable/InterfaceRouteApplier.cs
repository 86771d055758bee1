using System.Net;
using System.Runtime.Versioning;
using Tunnel.Connections;
using Tunnel.Platform;

namespace Tunnel.Routing;

/// <summary>
/// The macOS and Windows <see cref="IFailClosedRouteApplier"/>: a split-tunnel router's routes go into an
/// <see cref="InterfaceRouteTable"/>, <see cref="RouteDecision.Tunnel"/> through the tunnel interface (a default
/// route as its two halves) and <see cref="RouteDecision.Direct"/> through the route the system had to the rest of
/// the Internet, so a direct entry outranks the tunnel's halves as a throw route does on Linux. The tunnel's own
/// endpoints are system entries that go direct, so its datagrams never loop into it; no firewall mark is needed.
/// </summary>
/// <remarks>
/// These OSes have one routing table and nothing like Linux's route protocol to mark ours by, so the routes outside
/// the interface (direct and refusing ones) are recorded in a state directory before they exist, and
/// <see cref="RemoveStale"/> removes what a process that died recorded; the routes through the interface go with it.
/// <see cref="BlockAndRelease"/> leaves blackhole routes on macOS; Windows has no such route, so there it only lets go.
/// </remarks>
[SupportedOSPlatform("macos")]
[SupportedOSPlatform("windows")]
public sealed class InterfaceRouteApplier : IFailClosedRouteApplier
{
    private readonly string? _stateDirectory;

    /// <summary>Applies routes to <paramref name="table"/>, which this applier then owns.</summary>
    /// <param name="table">The table.</param>
    /// <param name="stateDirectory">The directory the table records its routes in, for <see cref="RemoveStale"/>; null when it records none.</param>
    public InterfaceRouteApplier(InterfaceRouteTable table, string? stateDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        Table = table;
        _stateDirectory = stateDirectory;
    }

    /// <summary>The table the routes go into.</summary>
    public InterfaceRouteTable Table { get; }

    /// <inheritdoc/>
    public uint FirewallMark => 0;

    /// <summary>Creates the applier for a connection's interface, for <see cref="SplitTunnelRoutingOptions.RouteApplier"/>.</summary>
    /// <param name="stateDirectory">Where the routes outside the interface are recorded (<see cref="InterfaceRouteTable.DefaultStateDirectory"/>, say); null records nothing.</param>
    /// <returns>The factory.</returns>
    public static Func<TunnelRoutingContext, IFailClosedRouteApplier> Factory(string? stateDirectory = null) =>
        context => new InterfaceRouteApplier(InterfaceRouteTable.Create(context.InterfaceName, stateDirectory), stateDirectory);

    /// <inheritdoc/>
    public int RemoveStale() => _stateDirectory is null ? 0 : InterfaceRouteTable.RemoveStale(_stateDirectory);

    /// <inheritdoc/>
    public int BlockAndRelease() => Table.BlockAndRelease();

    /// <inheritdoc/>
    /// <exception cref="IOException">The system refused a route; the routes before it are in place.</exception>
    public ValueTask ApplyAsync(RouteSetChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        cancellationToken.ThrowIfCancellationRequested();
        // A destination whose decision changed is in both lists: it is replaced in place, where a refused change puts
        // the old route back, rather than removed first and left to the default route if the new one is refused.
        HashSet<IPNetwork>? replaced = change.Removed.Count > 0 && change.Added.Count > 0
            ? [.. change.Added.Select(static route => route.Destination)]
            : null;
        foreach (PlannedRoute route in change.Removed)
        {
            if (replaced?.Contains(route.Destination) != true)
            {
                Table.RemoveRoute(route.Destination);
            }
        }

        foreach (PlannedRoute route in change.Added)
        {
            Table.AddRoute(route.Destination, route.Decision == RouteDecision.Tunnel ? InterfaceRouteKind.Tunnel : InterfaceRouteKind.Direct);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Removes the routes the table added (unless released).</summary>
    public void Dispose() => Table.Dispose();
}
