using Tunnel.Core.Routing;
using Tunnel.Routing;

namespace Tunnel.Agent.Service;

/// <summary>An <see cref="IRouteApplier"/> that reports each change it applied, so <c>watch</c> shows routes as the kernel gets them.</summary>
internal sealed class ObservedRouteApplier(IRouteApplier inner, Action<RouteSetChange> applied) : IRouteApplier
{
    /// <inheritdoc/>
    public async ValueTask ApplyAsync(RouteSetChange change, CancellationToken cancellationToken)
    {
        await inner.ApplyAsync(change, cancellationToken).ConfigureAwait(false);
        if (!change.IsEmpty)
        {
            applied(change);
        }
    }
}
