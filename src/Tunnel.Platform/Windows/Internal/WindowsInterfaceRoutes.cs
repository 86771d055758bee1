using System.Net;
using System.Net.Sockets;
using Tunnel.Configuration;
using Tunnel.Platform.Internal;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>
/// A Wintun adapter's addresses and routes for <see cref="SingleTablePlan{TRoute}"/>: routes on-link through the
/// adapter, and an endpoint's bypass through the route Windows has for it now. Windows has no blackhole route, so
/// a full tunnel whose endpoint has no route at all is refused (rather than letting its datagrams loop into the
/// tunnel).
/// </summary>
internal sealed class WindowsInterfaceRoutes(IWindowsNetwork network, string interfaceName, ulong luid) : ISingleTableRoutes<WindowsRoute>
{
    /// <summary>The route to the rest of the Internet per family, asked when this object is made, before routes of ours can answer instead.</summary>
    private readonly Dictionary<AddressFamily, WindowsRoute?> _outside = new()
    {
        [AddressFamily.InterNetwork] = network.GetBestRoute(IPAddress.Parse("192.0.2.1")) is { } v4 && v4.InterfaceLuid != luid ? v4 : null,
        [AddressFamily.InterNetworkV6] = network.GetBestRoute(IPAddress.Parse("2001:db8::1")) is { } v6 && v6.InterfaceLuid != luid ? v6 : null,
    };

    /// <summary>The metric of the tunnel's routes: the lowest, so equal prefixes elsewhere lose to them.</summary>
    public const uint RouteMetric = 0;

    public string InterfaceName => interfaceName;

    public void AddAddress(InterfaceAddress address) => network.AddAddress(luid, address);

    public bool RemoveAddress(InterfaceAddress address) => network.RemoveAddress(luid, address);

    public WindowsRoute ThroughInterface(IPNetwork destination) => new(destination, luid, null, RouteMetric);

    public WindowsRoute Bypass(IPAddress endpoint)
    {
        var host = new IPNetwork(endpoint, endpoint.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        if (network.GetBestRoute(endpoint) is { } route && route.InterfaceLuid != luid)
        {
            return new WindowsRoute(host, route.InterfaceLuid, route.NextHop, route.Metric);
        }

        throw new IOException($"Windows has no route to the peer endpoint {endpoint} outside the tunnel, so a full tunnel on {interfaceName} would loop its own datagrams into itself: connect to a network first.");
    }

    public WindowsRoute Direct(IPNetwork destination)
    {
        AddressFamily family = destination.BaseAddress.AddressFamily;
        return _outside.GetValueOrDefault(family) is { } via
            ? new WindowsRoute(destination, via.InterfaceLuid, via.NextHop, via.Metric)
            : throw new IOException($"Windows has no {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} route outside {interfaceName}, so {destination} cannot go around the tunnel.");
    }

    /// <summary>Windows has no route that drops traffic: nothing is added.</summary>
    public WindowsRoute? Blocked(IPNetwork destination) => null;

    public void AddRoute(WindowsRoute route) => network.AddRoute(route);

    public bool DeleteRoute(WindowsRoute route) => network.DeleteRoute(route);
}
