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
/// for it, so the tunnel's own datagrams never enter the tunnel. With <see cref="TunnelInterfaceSettings.FailClosed"/>,
/// where the OS has refusing routes, each network has one behind it that outlives the interface (see
/// <see cref="TunnelRoutes"/>). All or nothing: a step that fails undoes the steps
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
                foreach ((TRoute piece, bool outside) in TunnelRoutes(network, route.Destination, settings.FailClosed))
                {
                    Add(piece, outside);
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

    /// <summary>
    /// The routes that send <paramref name="destination"/> into the tunnel, in the order to add them. A default route
    /// becomes the two halves of the address space. With <paramref name="failClosed"/>, on an OS that has refusing
    /// routes (macOS), each network also gets one behind it: one table holds one route per destination, so the
    /// refusing route takes the network's own prefix and the tunnel routes its two halves, one bit longer, which win
    /// while the interface lives and go with it, leaving the refusing route (which names loopback, not the interface)
    /// to drop what the tunnel carried. It comes first, so no tunnel route is ever in without it. A host route cannot
    /// be split and gets none.
    /// </summary>
    /// <returns>Each route, and whether it is outside the interface (outlives it, so is journaled).</returns>
    public static List<(TRoute Route, bool Outside)> TunnelRoutes(IInterfaceRoutes<TRoute> network, IPNetwork destination, bool failClosed)
    {
        IPNetwork[] covering = destination.PrefixLength == 0 ? Halves(destination.BaseAddress.AddressFamily) : [destination];
        var routes = new List<(TRoute, bool)>(covering.Length * 3);
        foreach (IPNetwork piece in covering)
        {
            int bits = piece.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            if (failClosed && piece.PrefixLength < bits && network.Blocked(piece) is { } behind)
            {
                routes.Add((behind, true));
                foreach (IPNetwork half in Split(piece))
                {
                    routes.Add((network.ThroughInterface(half), false));
                }
            }
            else
            {
                routes.Add((network.ThroughInterface(piece), false));
            }
        }

        return routes;
    }

    /// <summary>The two halves of <paramref name="network"/>, one bit longer.</summary>
    public static IPNetwork[] Split(IPNetwork network)
    {
        Span<byte> upper = stackalloc byte[16];
        int length = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 4 : 16;
        upper = upper[..length];
        network.BaseAddress.TryWriteBytes(upper, out _);
        int bit = network.PrefixLength; // the first bit after the prefix, which a base address has clear
        upper[bit / 8] |= (byte)(0x80 >> (bit % 8));
        int prefix = network.PrefixLength + 1;
        return [new IPNetwork(network.BaseAddress, prefix), new IPNetwork(new IPAddress(upper), prefix)];
    }

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
