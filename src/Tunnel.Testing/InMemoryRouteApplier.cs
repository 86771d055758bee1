using System.Net;
using Tunnel.Routing;

namespace Tunnel.Testing;

/// <summary>
/// A route table in memory for tests of split tunnelling: it applies each <see cref="RouteSetChange"/> the
/// way a kernel table would (an added route replaces one for the same destination; removing an absent
/// route is an error the test sees), records every change in order, and can be made slow, so a test can
/// show that an answer is released only after its routes are in place.
/// </summary>
public sealed class InMemoryRouteApplier : IRouteApplier
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPNetwork, RouteDecision> _routes = [];
    private readonly List<RouteSetChange> _history = [];

    /// <summary>How long each change takes to apply. Default none.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The table now: destination to decision.</summary>
    public IReadOnlyDictionary<IPNetwork, RouteDecision> Routes
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<IPNetwork, RouteDecision>(_routes);
            }
        }
    }

    /// <summary>Every change applied, in order.</summary>
    public IReadOnlyList<RouteSetChange> History
    {
        get
        {
            lock (_gate)
            {
                return [.. _history];
            }
        }
    }

    /// <summary>Raised after each change is in the table.</summary>
    public event Action<RouteSetChange>? Applied;

    /// <summary>Whether the table routes <paramref name="destination"/> exactly (not by a covering prefix) with <paramref name="decision"/>.</summary>
    /// <param name="destination">The prefix.</param>
    /// <param name="decision">The decision.</param>
    /// <returns>Whether the route is present.</returns>
    public bool Contains(IPNetwork destination, RouteDecision decision)
    {
        lock (_gate)
        {
            return _routes.TryGetValue(destination, out var present) && present == decision;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">A removed route is not in the table.</exception>
    public async ValueTask ApplyAsync(RouteSetChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            foreach (var route in change.Removed)
            {
                if (!_routes.Remove(route.Destination))
                {
                    throw new InvalidOperationException($"The route {route} is not in the table.");
                }
            }

            foreach (var route in change.Added)
            {
                _routes[route.Destination] = route.Decision;
            }

            _history.Add(change);
        }

        Applied?.Invoke(change);
    }
}
