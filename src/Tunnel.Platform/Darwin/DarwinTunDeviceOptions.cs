namespace Tunnel.Platform.Darwin;

/// <summary>Options of a <see cref="DarwinTunDevice"/>.</summary>
public sealed record DarwinTunDeviceOptions
{
    /// <summary>The MTU to set on the interface, or null to keep the system's default for a new utun (1500).</summary>
    public int? Mtu { get; init; } = 1420;

    /// <summary>Whether to follow MTU changes made from outside (<c>ifconfig utunN mtu ...</c>) through a <c>PF_ROUTE</c> socket; on by default.</summary>
    public bool FollowMtu { get; init; } = true;
}
