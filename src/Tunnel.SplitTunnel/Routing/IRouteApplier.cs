
namespace Tunnel.Routing;

/// <summary>
/// The port through which a <see cref="SplitTunnelController"/> programs the system's routes: a platform
/// adapter (rtnetlink on Linux) or an in-memory table in tests.
/// </summary>
public interface IRouteApplier
{
    /// <summary>
    /// Applies a change: removes <see cref="RouteSetChange.Removed"/>, then adds (or replaces)
    /// <see cref="RouteSetChange.Added"/>. Completes when the system routes by the change.
    /// </summary>
    /// <param name="change">The change.</param>
    /// <param name="cancellationToken">Cancels the wait (not necessarily a change half applied).</param>
    /// <returns>A task that completes when the change is in place.</returns>
    ValueTask ApplyAsync(RouteSetChange change, CancellationToken cancellationToken);
}
