using Tunnel.Routing;

namespace Tunnel.Agent.Service;

/// <summary>
/// An <see cref="IRouteApplier"/> that reports each change it applied, so <c>watch</c> shows routes as the
/// kernel gets them, and that can be held: once <see cref="Hold"/> is called, changes are no longer applied,
/// so a controller stopping over a dead tunnel leaves the kernel's routes (its blocking ones) in place.
/// </summary>
internal sealed class ObservedRouteApplier(IRouteApplier inner, Action<RouteSetChange> applied) : IRouteApplier
{
    private volatile bool _held;

    /// <summary>From now on, changes are dropped: the routes in the kernel stay as they are.</summary>
    public void Hold() => _held = true;

    /// <inheritdoc/>
    public async ValueTask ApplyAsync(RouteSetChange change, CancellationToken cancellationToken)
    {
        if (_held)
        {
            return;
        }

        await inner.ApplyAsync(change, cancellationToken).ConfigureAwait(false);
        if (!change.IsEmpty)
        {
            applied(change);
        }
    }
}
