namespace Tunnel.Platform.Linux;

/// <summary>How <see cref="LinuxTunDevice.Create(string, LinuxTunDeviceOptions?)"/> opens the device.</summary>
public sealed record LinuxTunDeviceOptions
{
    /// <summary>The MTU to set, or <see langword="null"/> to keep the kernel's. 1420 by default, as wg-quick sets for IPv6 underlays.</summary>
    public int? Mtu { get; init; } = 1420;

    /// <summary>
    /// Whether to ask for segmentation and checksum offloads (<c>IFF_VNET_HDR</c> and <c>TUNSETOFFLOAD</c>): the
    /// kernel then hands over TCP (and UDP) super-packets of up to 64 KiB, which the device splits, and accepts
    /// coalesced ones, which it builds. On by default; the device falls back to plain packets where the kernel
    /// refuses, and <see cref="LinuxTunDevice.Offloads"/> says what was agreed.
    /// </summary>
    public bool EnableOffloads { get; init; } = true;
}
