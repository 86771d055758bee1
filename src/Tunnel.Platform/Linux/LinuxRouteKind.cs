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
}
