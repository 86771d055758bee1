using System.Net;
using System.Net.Sockets;
using Tunnel.Configuration;
using Tunnel.Platform.Internal;
using static Tunnel.Platform.Interop.Darwin.Interop;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>
/// A utun interface's addresses and routes for <see cref="SingleTablePlan{TRoute}"/>: routes through the
/// interface by index, an endpoint's bypass through its current gateway (or interface), and with no route at all
/// a blackhole through loopback, as wg-quick's darwin script adds one. Every route carries <see cref="OwnRouteFlag"/>.
/// </summary>
internal sealed class DarwinInterfaceRoutes : ISingleTableRoutes<DarwinRoute>
{
    /// <summary>The mark on every route added here (<c>RTF_PROTO1</c>), which tells ours from others' in a route listing.</summary>
    public const int OwnRouteFlag = RouteFlags.Proto1;

    private readonly IDarwinNetwork _network;
    private readonly ushort _index;
    private readonly Dictionary<AddressFamily, DarwinRoute?> _outside = [];
    private static readonly IPAddress[] Outside = [IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1")];

    /// <exception cref="IOException">The interface does not exist.</exception>
    public DarwinInterfaceRoutes(IDarwinNetwork network, string interfaceName)
    {
        _network = network;
        InterfaceName = interfaceName;
        uint index = network.InterfaceIndex(interfaceName);
        _index = index is 0 or > ushort.MaxValue ? throw new IOException($"The interface {interfaceName} does not exist.") : (ushort)index;

        // The route to the rest of the Internet, asked now, before routes of ours can answer instead.
        foreach (IPAddress address in Outside)
        {
            _outside[address.AddressFamily] = network.GetRoute(address) is { } found && found.InterfaceIndex != _index ? found : null;
        }
    }

    public string InterfaceName { get; }

    public void AddAddress(InterfaceAddress address) => _network.AddAddress(InterfaceName, address);

    public bool RemoveAddress(InterfaceAddress address) => _network.RemoveAddress(InterfaceName, address);

    public DarwinRoute ThroughInterface(IPNetwork destination) => new(destination, null, _index, OwnRouteFlag);

    public DarwinRoute Bypass(IPAddress endpoint)
    {
        var host = new IPNetwork(endpoint, endpoint.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        DarwinRoute? current = _network.GetRoute(endpoint);
        if (current is { } route && route.InterfaceIndex != _index && (route.Gateway is not null || route.InterfaceIndex != 0))
        {
            return new DarwinRoute(host, route.Gateway, route.Gateway is null ? route.InterfaceIndex : (ushort)0, OwnRouteFlag);
        }

        IPAddress loopback = endpoint.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        return new DarwinRoute(host, loopback, 0, OwnRouteFlag | RouteFlags.Blackhole);
    }

    public DarwinRoute Direct(IPNetwork destination)
    {
        AddressFamily family = destination.BaseAddress.AddressFamily;
        return _outside.GetValueOrDefault(family) is { } via
            ? new DarwinRoute(destination, via.Gateway, via.Gateway is null ? via.InterfaceIndex : (ushort)0, OwnRouteFlag)
            : throw new IOException($"The system has no {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} route outside {InterfaceName}, so {destination} cannot go around the tunnel.");
    }

    public DarwinRoute? Blocked(IPNetwork destination) =>
        new DarwinRoute(destination, destination.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, 0, OwnRouteFlag | RouteFlags.Blackhole);

    public void AddRoute(DarwinRoute route) => _network.AddRoute(route);

    public bool DeleteRoute(DarwinRoute route) => _network.DeleteRoute(route);
}
