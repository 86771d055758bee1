using System.Net;

namespace Tunnel.Platform.Internal;

/// <summary>
/// The logic of <see cref="InterfaceRouteTable"/>: a set of destinations, each routed through the tunnel (a default
/// route as its two halves), around it, or refused, with the OS routes that carry each, so a destination can be
/// changed or removed whole. Where the OS has refusing routes (macOS), a tunnel destination has one behind it that
/// outlives the interface (see <see cref="SingleTablePlan{TRoute}.TunnelRoutes"/>), so it fails closed if the process dies.
/// </summary>
/// <typeparam name="TRoute">The OS's description of a route.</typeparam>
/// <param name="system">The interface's routes.</param>
/// <param name="journal">Where the routes outside the interface (direct and refusing ones, which outlive it) are recorded before they exist; none when null.</param>
internal sealed class SingleTableRouteSet<TRoute>(ISingleTableRoutes<TRoute> system, RouteJournal<TRoute>? journal = null) : ISingleTableRouteSet
    where TRoute : struct
{
    private readonly Dictionary<IPNetwork, (InterfaceRouteKind Kind, (TRoute Route, bool Outside)[] Routes)> _installed = [];
    private bool _released;

    public string InterfaceName => system.InterfaceName;

    public IReadOnlyDictionary<IPNetwork, InterfaceRouteKind> Installed => _installed.ToDictionary(entry => entry.Key, entry => entry.Value.Kind);

    public void Add(IPNetwork destination, InterfaceRouteKind kind)
    {
        if (!_installed.TryGetValue(destination, out var old))
        {
            _installed[destination] = (kind, Install(RoutesFor(destination, kind)));
            return;
        }

        if (old.Kind == kind)
        {
            return; // already so: no moment without a route
        }

        // A decision changed. One table holds one route per destination on macOS, so the old goes before the new;
        // when the new is refused, the old comes back, so a refused change never leaves the destination to the
        // default route (a refused Direct-to-Tunnel change would otherwise send it around the tunnel).
        Remove(destination);
        try
        {
            _installed[destination] = (kind, Install(RoutesFor(destination, kind)));
        }
        catch
        {
            try
            {
                _installed[destination] = (old.Kind, Install(old.Routes));
            }
            catch (IOException)
            {
                // Neither could be installed (the interface went away): the first failure is the one to report.
            }

            throw;
        }
    }

    /// <summary>The routes that carry <paramref name="destination"/> as <paramref name="kind"/> says, in the order to add them, each with whether it is outside the interface (so outlives it and is journaled).</summary>
    private (TRoute Route, bool Outside)[] RoutesFor(IPNetwork destination, InterfaceRouteKind kind) => kind switch
    {
        InterfaceRouteKind.Tunnel => [.. SingleTablePlan<TRoute>.TunnelRoutes(system, destination, failClosed: true)],
        InterfaceRouteKind.Direct => [(system.Direct(destination), true)],
        _ => system.Blocked(destination) is { } blocked ? [(blocked, true)] : [],
    };

    /// <summary>Adds <paramref name="routes"/> all or none: a refusal removes those already added, then throws.</summary>
    private (TRoute Route, bool Outside)[] Install((TRoute Route, bool Outside)[] routes)
    {
        var added = new List<(TRoute Route, bool Outside)>(routes.Length);
        try
        {
            foreach ((TRoute route, bool outside) in routes)
            {
                RouteJournal<TRoute>? recorded = outside ? journal : null;
                recorded?.Adding(route); // before the route exists: a crash in between leaves a record, never a route
                try
                {
                    system.AddRoute(route);
                }
                catch
                {
                    recorded?.Removed(route); // refused: another's route to it stays, and is never removed here
                    throw;
                }

                added.Add((route, outside));
            }
        }
        catch
        {
            Delete(added);
            throw;
        }

        return routes;
    }

    /// <summary>Deletes routes in the reverse of their order, so a tunnel route never outlasts the refusing one behind it.</summary>
    private void Delete(IReadOnlyList<(TRoute Route, bool Outside)> routes)
    {
        for (int i = routes.Count - 1; i >= 0; i--)
        {
            (TRoute route, bool outside) = routes[i];
            _ = system.DeleteRoute(route);
            if (outside)
            {
                journal?.Removed(route);
            }
        }
    }

    public bool Remove(IPNetwork destination)
    {
        if (!_installed.Remove(destination, out var entry))
        {
            return false;
        }

        Delete(entry.Routes);
        return true;
    }

    public int BlockAndRelease()
    {
        int blocked = 0;
        foreach ((IPNetwork destination, var entry) in _installed.ToList())
        {
            if (entry.Kind != InterfaceRouteKind.Tunnel)
            {
                continue;
            }

            if (entry.Routes.Any(static route => route.Outside))
            {
                blocked++; // the refusing route behind it takes over when the interface goes
                continue;
            }

            try
            {
                Add(destination, InterfaceRouteKind.Blocked);
                blocked += _installed[destination].Routes.Length > 0 ? 1 : 0;
            }
            catch (IOException)
            {
                // Best effort: the destinations still blocked stay blocked.
            }
        }

        _released = true;
        return blocked;
    }

    public IReadOnlyList<Exception> Clear()
    {
        var failures = new List<Exception>();
        if (_released)
        {
            return failures;
        }

        foreach (IPNetwork destination in _installed.Keys.ToList())
        {
            try
            {
                Remove(destination);
            }
            catch (IOException exception)
            {
                failures.Add(exception);
            }
        }

        return failures;
    }
}

/// <summary><see cref="SingleTableRouteSet{TRoute}"/> without its OS's route type, for <see cref="InterfaceRouteTable"/>.</summary>
internal interface ISingleTableRouteSet
{
    string InterfaceName { get; }

    IReadOnlyDictionary<IPNetwork, InterfaceRouteKind> Installed { get; }

    void Add(IPNetwork destination, InterfaceRouteKind kind);

    bool Remove(IPNetwork destination);

    int BlockAndRelease();

    IReadOnlyList<Exception> Clear();
}
