using System.Net;
using Tunnel.Configuration;

namespace Tunnel.Platform.Internal;

/// <summary>
/// One interface's addresses and routes on an OS with a single routing table (macOS, Windows), as
/// <see cref="SingleTablePlan{TRoute}"/> drives them: the OS-specific half, behind which the plan's logic is shared
/// and tested with fakes.
/// </summary>
/// <typeparam name="TRoute">The OS's description of a route, enough to add and remove it.</typeparam>
internal interface IInterfaceRoutes<TRoute>
    where TRoute : struct
{
    /// <summary>The interface, for messages.</summary>
    string InterfaceName { get; }

    /// <summary>Adds an address to the interface.</summary>
    /// <exception cref="IOException">The system refused.</exception>
    void AddAddress(InterfaceAddress address);

    /// <summary>Removes an address; false when it was not there.</summary>
    bool RemoveAddress(InterfaceAddress address);

    /// <summary>A route to <paramref name="destination"/> through the tunnel interface, marked as ours.</summary>
    TRoute ThroughInterface(IPNetwork destination);

    /// <summary>
    /// A host route that keeps <paramref name="endpoint"/> off the tunnel: through the route the system has for it
    /// now, or one that drops its packets when it has none, so the tunnel's own datagrams never loop into it.
    /// </summary>
    TRoute Bypass(IPAddress endpoint);

    /// <summary>
    /// A route that drops what is sent to <paramref name="destination"/> and outlives the interface (on macOS a blackhole
    /// through loopback), so that behind a tunnel route it refuses the traffic once the interface is gone; null where
    /// the OS has no such route (Windows).
    /// </summary>
    TRoute? Blocked(IPNetwork destination);

    /// <summary>Adds a route; never replaces one.</summary>
    /// <exception cref="IOException">The system refused (the destination is routed already, say).</exception>
    void AddRoute(TRoute route);

    /// <summary>Removes a route; false when it was not there.</summary>
    bool DeleteRoute(TRoute route);
}
