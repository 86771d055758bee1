namespace Tunnel.Routing;

/// <summary>
/// A route applier that owns one table of routes (and the rules that send traffic to it) and can leave it
/// failing closed: the port through which <see cref="SplitTunnelRouting"/> programs the system. The Linux
/// adapter is <see cref="LinuxRouteApplier"/>; tests use an in-memory one.
/// </summary>
/// <remarks>
/// Its routes and rules are marked as its own, so <see cref="RemoveStale"/> and <see cref="IDisposable.Dispose"/>
/// remove only those: another VPN's routes, and a wg-quick tunnel's, stay.
/// </remarks>
public interface IFailClosedRouteApplier : IRouteApplier, IDisposable
{
    /// <summary>The firewall mark the tunnel's own socket must carry so that its datagrams skip this table's rules; 0 when the table needs none.</summary>
    uint FirewallMark { get; }

    /// <summary>Removes the routes and rules an earlier process (or an earlier connection that failed closed) left with this table's marks.</summary>
    /// <returns>How many routes and rules were removed.</returns>
    /// <exception cref="IOException">The system refused a removal.</exception>
    int RemoveStale();

    /// <summary>
    /// Turns every route into the tunnel into one that refuses traffic, then lets go of everything installed:
    /// the refusing routes, the direct routes and the rules stay in the system after this object is disposed
    /// (its <see cref="IDisposable.Dispose"/> then closes it and removes nothing), so traffic the policy sends to
    /// the tunnel is refused, never sent direct, until a new table with the same marks takes them over or
    /// <see cref="RemoveStale"/> removes them.
    /// </summary>
    /// <returns>How many tunnel routes now refuse traffic.</returns>
    int BlockAndRelease();
}
