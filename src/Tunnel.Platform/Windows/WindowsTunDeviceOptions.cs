namespace Tunnel.Platform.Windows;

/// <summary>Options of a <see cref="WindowsTunDevice"/>.</summary>
public sealed record WindowsTunDeviceOptions
{
    /// <summary>The interface MTU to set for IPv4 and IPv6, or null to keep Windows' default.</summary>
    public int? Mtu { get; init; } = 1420;

    /// <summary>
    /// Whether to follow MTU changes made from outside (<c>netsh interface ipv4 set subinterface ... mtu=</c>) through
    /// the IP Helper API's interface change notifications; on by default.
    /// </summary>
    public bool FollowMtu { get; init; } = true;

    /// <summary>The size of each of the session's rings: a power of two from 128 KiB to 64 MiB; 8 MiB, as wireguard-go's, by default.</summary>
    public int RingCapacity { get; init; } = 8 << 20;

    /// <summary>The adapter's tunnel type, which Windows shows as its description.</summary>
    public string TunnelType { get; init; } = "Tunnel";

    /// <summary>The adapter's GUID, so that Windows keeps its network profile across restarts; null for a new one each time.</summary>
    public Guid? RequestedGuid { get; init; }

    /// <summary>The directory <c>wintun.dll</c> is loaded from; null for the application's own (<see cref="AppContext.BaseDirectory"/>).</summary>
    public string? LibraryDirectory { get; init; }
}
