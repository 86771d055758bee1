using System.Net;
using System.Net.Sockets;
using Tunnel.Configuration;
using Tunnel.Connections;

namespace Tunnel.Platform.Internal;

/// <summary>
/// What wg-quick's darwin script does with <c>ifconfig</c> and <c>route</c>, for any OS with one routing table:
/// the addresses, the allowed networks' routes through the tunnel interface, and for a full tunnel (a default
/// route, with its policy rule on Linux) the two halves of the address space (<c>0.0.0.0/1</c> and
/// <c>128.0.0.0/1</c>, or <c>::/1</c> and <c>8000::/1</c>), which outrank the system's default route by their
/// longer prefix without replacing it, after a host route for each peer endpoint through the route the system had
/// for it, so the tunnel's own datagrams never enter the tunnel. All or nothing: a step that fails undoes the steps
/// before it; <see cref="Undo"/> removes everything in reverse order, and only what was added here.
/// </summary>
/// <typeparam name="TRoute">The OS's description of a route.</typeparam>
/// <param name="network">The interface's addresses and routes.</param>
/// <param name="journal">Where the endpoints' routes (outside the interface, so they outlive it) are recorded before they exist, for the next process to remove after a crash; none when null.</param>
internal sealed class SingleTablePlan<TRoute>(IInterfaceRoutes<TRoute> network, RouteJournal<TRoute>? journal = null)
    where TRoute : struct
{
    private readonly List<Action> _undo = [];

    /// <summary>The routes added, in order.</summary>
    public List<TRoute> Routes { get; } = [];

    /// <summary>Applies <paramref name="settings"/>.</summary>
    /// <exception cref="IOException">The system refused a step; what was applied before it is removed again.</exception>
    public void Apply(TunnelInterfaceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            foreach (InterfaceAddress address in settings.Addresses)
            {
                network.AddAddress(address);
                _undo.Add(() => network.RemoveAddress(address));
            }

            var fullTunnel = new HashSet<AddressFamily>(settings.PolicyRules.Select(rule => rule.Family));
            foreach (TunnelRoute route in settings.Routes.Where(route => route.Destination.PrefixLength == 0))
            {
                fullTunnel.Add(route.Destination.BaseAddress.AddressFamily);
            }

            // The endpoints' own routes first: once the halves exist, a lookup would answer with the tunnel.
            foreach (IPAddress endpoint in settings.PeerEndpoints.Where(endpoint => fullTunnel.Contains(endpoint.AddressFamily)))
            {
                Add(network.Bypass(endpoint), outside: true);
            }

            foreach (TunnelRoute route in settings.Routes)
            {
                IEnumerable<IPNetwork> destinations = route.Destination.PrefixLength == 0 ? Halves(route.Destination.BaseAddress.AddressFamily) : [route.Destination];
                foreach (IPNetwork destination in destinations)
                {
                    Add(network.ThroughInterface(destination), outside: false);
                }
            }
        }
        catch
        {
            Undo();
            throw;
        }
    }

    /// <summary>Removes what <see cref="Apply"/> added, in reverse order; a step that fails (the interface already gone) does not stop the rest.</summary>
    /// <returns>The failures, for the log.</returns>
    public IReadOnlyList<Exception> Undo()
    {
        var failures = new List<Exception>();
        for (int i = _undo.Count - 1; i >= 0; i--)
        {
            try
            {
                _undo[i]();
            }
            catch (IOException exception)
            {
                failures.Add(exception);
            }
        }

        _undo.Clear();
        Routes.Clear();
        return failures;
    }

    /// <summary>The two halves of a family's address space.</summary>
    public static IPNetwork[] Halves(AddressFamily family) => family == AddressFamily.InterNetwork
        ? [new IPNetwork(IPAddress.Any, 1), new IPNetwork(IPAddress.Parse("128.0.0.0"), 1)]
        : [new IPNetwork(IPAddress.IPv6Any, 1), new IPNetwork(IPAddress.Parse("8000::"), 1)];

    private void Add(TRoute route, bool outside)
    {
        RouteJournal<TRoute>? recorded = outside ? journal : null;
        recorded?.Adding(route);
        try
        {
            network.AddRoute(route);
        }
        catch
        {
            recorded?.Removed(route);
            throw;
        }

        Routes.Add(route);
        _undo.Add(() =>
        {
            network.DeleteRoute(route);
            recorded?.Removed(route);
        });
    }
}
