namespace Tunnel.Platform;

/// <summary>What an <see cref="InterfaceRouteTable"/> route does with traffic to its destination.</summary>
public enum InterfaceRouteKind
{
    /// <summary>Sends it through the tunnel interface (a default route as its two halves).</summary>
    Tunnel,

    /// <summary>Sends it around the tunnel, through the route the system had to the rest of the Internet.</summary>
    Direct,

    /// <summary>Drops it, whatever becomes of the interface (macOS: a blackhole route; Windows has none, and adds nothing).</summary>
    Blocked,
}
