using System.Net;
using System.Net.Sockets;
using Tunnel.Configuration;
using Tunnel.Connections;
using static Tunnel.Platform.Interop.Darwin.Interop;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>
/// What wg-quick's darwin script does with <c>ifconfig</c> and <c>route</c>, as calls: the addresses, the
/// allowed IPs' routes through the utun interface, and for a full tunnel (a default route, with its policy rule
/// on Linux) the two halves of the address space (<c>0.0.0.0/1</c> and <c>128.0.0.0/1</c>, or <c>::/1</c> and
/// <c>8000::/1</c>), which outrank the system's default route without replacing it, after a host route for each
/// peer endpoint through the route the system had for it, so the tunnel's own datagrams never enter the tunnel.
/// All or nothing: a step that fails undoes the steps before it; <see cref="Undo"/> removes everything in
/// reverse order, and only what was added here.
/// </summary>
internal sealed class DarwinInterfacePlan(IDarwinNetwork network, string interfaceName)
{
    /// <summary>The mark on every route added here (<c>RTF_PROTO1</c>), which tells ours from others' in a route listing.</summary>
    public const int OwnRouteFlag = RouteFlags.Proto1;

    private readonly List<Action> _undo = [];

    /// <summary>The routes added, in order.</summary>
    public List<DarwinRoute> Routes { get; } = [];

    /// <summary>Applies <paramref name="settings"/>.</summary>
    /// <exception cref="IOException">The system refused a step; what was applied before it is removed again.</exception>
    public void Apply(TunnelInterfaceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            uint index = network.InterfaceIndex(interfaceName);
            if (index is 0 or > ushort.MaxValue)
            {
                throw new IOException($"The interface {interfaceName} does not exist.");
            }

            foreach (InterfaceAddress address in settings.Addresses)
            {
                network.AddAddress(interfaceName, address);
                _undo.Add(() => network.RemoveAddress(interfaceName, address));
            }

            var fullTunnel = new HashSet<AddressFamily>(settings.PolicyRules.Select(rule => rule.Family));
            foreach (TunnelRoute route in settings.Routes.Where(route => route.Destination.PrefixLength == 0))
            {
                fullTunnel.Add(route.Destination.BaseAddress.AddressFamily);
            }

            // The endpoints' own routes first: once the halves exist, a lookup would answer with the tunnel.
            foreach (IPAddress endpoint in settings.PeerEndpoints.Where(endpoint => fullTunnel.Contains(endpoint.AddressFamily)))
            {
                Add(BypassFor(endpoint, (ushort)index));
            }

            foreach (TunnelRoute route in settings.Routes)
            {
                if (route.Destination.PrefixLength == 0)
                {
                    foreach (IPNetwork half in Halves(route.Destination.BaseAddress.AddressFamily))
                    {
                        Add(new DarwinRoute(half, null, (ushort)index, OwnRouteFlag));
                    }
                }
                else
                {
                    Add(new DarwinRoute(route.Destination, null, (ushort)index, OwnRouteFlag));
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
    /// A host route for an endpoint through the route the system has for it now: its gateway, or the interface
    /// of a directly connected one. With no route at all (offline), a blackhole, so the endpoint's datagrams are
    /// never looped into the tunnel (wg-quick's darwin script does the same).
    /// </summary>
    private DarwinRoute BypassFor(IPAddress endpoint, ushort tunnelIndex)
    {
        var host = new IPNetwork(endpoint, endpoint.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        DarwinRoute? current = network.GetRoute(endpoint);
        if (current is { } route && route.InterfaceIndex != tunnelIndex && (route.Gateway is not null || route.InterfaceIndex != 0))
        {
            return new DarwinRoute(host, route.Gateway, route.Gateway is null ? route.InterfaceIndex : (ushort)0, OwnRouteFlag);
        }

        IPAddress loopback = endpoint.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        return new DarwinRoute(host, loopback, 0, OwnRouteFlag | RouteFlags.Blackhole);
    }

    private void Add(DarwinRoute route)
    {
        network.AddRoute(route);
        Routes.Add(route);
        _undo.Add(() => network.DeleteRoute(route));
    }
}
