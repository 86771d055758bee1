namespace Tunnel.Platform.Linux;

/// <summary>What a route in the tunnel's table does with the destinations it covers.</summary>
public enum LinuxRouteKind
{
    /// <summary>Through the tunnel: a unicast route out of the tunnel interface (<c>ip route add P dev wg0 table T</c>).</summary>
    Tunnel = 0,

    /// <summary>
    /// Around the tunnel: a throw route (<c>ip route add throw P table T</c>), which ends the lookup in the
    /// tunnel's table so the next policy rule decides, normally the main table with the system's own routes.
    /// A bypass route longer than a tunnel route carves an exception out of it.
    /// </summary>
    Bypass = 1,

    /// <summary>
    /// Refused: a prohibit route (<c>ip route add prohibit P table T</c>), so traffic meant for the tunnel
    /// fails (the sender gets <c>EACCES</c>) instead of falling through to the main table and leaving
    /// directly. It names no interface, so it stays when the tunnel interface goes away: what a tunnel that
    /// died puts in place of its tunnel routes until it is back.
    /// </summary>
    Blocked = 2,
}
