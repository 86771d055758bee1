namespace Tunnel.Routing.Internal;

/// <summary>
/// The applier a <see cref="SplitTunnelRouting"/>'s controller writes through: it reports each change the system
/// took, and once <see cref="Hold"/> is called it drops every change, so a controller stopping over a tunnel
/// that failed closed leaves the refusing routes where they are.
/// </summary>
internal sealed class HeldRouteApplier(IRouteApplier inner, Action<RouteSetChange>? applied) : IRouteApplier
{
    private volatile bool _held;

    /// <summary>Whether changes are dropped.</summary>
    public bool IsHeld => _held;

    /// <summary>From now on, changes are dropped.</summary>
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
            applied?.Invoke(change);
        }
    }
}
