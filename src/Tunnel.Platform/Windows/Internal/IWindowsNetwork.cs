using System.Net;
using Tunnel.Configuration;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>The IP Helper calls behind <see cref="WindowsInterfaceRoutes"/>, a seam so the routing logic runs against a fake on any OS.</summary>
internal interface IWindowsNetwork
{
    /// <summary>Adds an address to the interface.</summary>
    /// <exception cref="IOException">Windows refused (the address exists, say).</exception>
    void AddAddress(ulong luid, InterfaceAddress address);

    /// <summary>Removes an address; false when it was not there.</summary>
    bool RemoveAddress(ulong luid, InterfaceAddress address);

    /// <summary>Adds a route; never replaces one.</summary>
    /// <exception cref="IOException">Windows refused (the same route exists, say).</exception>
    void AddRoute(WindowsRoute route);

    /// <summary>Removes a route; false when it was not there.</summary>
    bool DeleteRoute(WindowsRoute route);

    /// <summary>The route Windows would take to <paramref name="destination"/> now (<c>GetBestRoute2</c>), or null when there is none.</summary>
    WindowsRoute? GetBestRoute(IPAddress destination);
}

/// <summary>A route as the Windows adapters add it.</summary>
/// <param name="Destination">The destination network.</param>
/// <param name="InterfaceLuid">The interface it leaves by.</param>
/// <param name="NextHop">The gateway; null for on-link (through a point-to-point interface such as the tunnel).</param>
/// <param name="Metric">The route's metric, added to the interface's.</param>
internal readonly record struct WindowsRoute(IPNetwork Destination, ulong InterfaceLuid, IPAddress? NextHop, uint Metric);
