using System.Net;
using Tunnel.Configuration;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>
/// The system calls behind <see cref="DarwinInterfaceRoutes"/>: interface addresses by ioctl, routes by
/// <c>PF_ROUTE</c> messages. The seam lets the routing logic (what to add, in which order, what to undo) run
/// against a fake on any OS.
/// </summary>
internal interface IDarwinNetwork
{
    /// <summary>The interface's index, or 0 when it does not exist.</summary>
    uint InterfaceIndex(string interfaceName);

    /// <summary>Adds an address to the interface.</summary>
    /// <exception cref="IOException">The kernel refused.</exception>
    void AddAddress(string interfaceName, InterfaceAddress address);

    /// <summary>Removes an address; false when it was not there.</summary>
    bool RemoveAddress(string interfaceName, InterfaceAddress address);

    /// <summary>Adds a route; never replaces one.</summary>
    /// <exception cref="IOException">The kernel refused (<c>EEXIST</c> when the destination is routed already).</exception>
    void AddRoute(DarwinRoute route);

    /// <summary>Removes a route; false when it was not there.</summary>
    bool DeleteRoute(DarwinRoute route);

    /// <summary>The route the system would use for <paramref name="destination"/> now (<c>RTM_GET</c>), or null when there is none.</summary>
    DarwinRoute? GetRoute(IPAddress destination);
}

/// <summary>A route as the macOS adapters add it: to a network, through a gateway or an interface, with its <c>RTF_*</c> flags.</summary>
/// <param name="Destination">The destination network.</param>
/// <param name="Gateway">The next hop; null for a route through <paramref name="InterfaceIndex"/>.</param>
/// <param name="InterfaceIndex">The interface of a route without a gateway (and, in a lookup's answer, the interface the route leaves by).</param>
/// <param name="Flags">The flags beyond <c>RTF_UP | RTF_STATIC</c>: the mark that makes it ours, <c>RTF_BLACKHOLE</c>.</param>
internal readonly record struct DarwinRoute(IPNetwork Destination, IPAddress? Gateway, ushort InterfaceIndex, int Flags);
