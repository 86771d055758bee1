namespace Tunnel.Platform.Linux;

/// <summary>The offloads a <see cref="LinuxTunDevice"/> agreed with the kernel.</summary>
[Flags]
public enum LinuxTunOffloads
{
    /// <summary>None: one packet per read and per write, checksums complete.</summary>
    None = 0,

    /// <summary>
    /// The device was opened with <c>IFF_VNET_HDR</c>: every packet carries a virtio header, which is what lets
    /// writes coalesce TCP segments into one super-packet.
    /// </summary>
    VirtioHeader = 1,

    /// <summary><c>TUN_F_CSUM</c>: the kernel may leave checksums for the device to complete.</summary>
    Checksum = 2,

    /// <summary><c>TUN_F_TSO4 | TUN_F_TSO6</c>: the kernel hands over TCP super-packets of up to 64 KiB, split on read.</summary>
    TcpSegmentation = 4,

    /// <summary><c>TUN_F_USO4 | TUN_F_USO6</c> (Linux 6.2 and later): the same for UDP, and UDP is coalesced on write.</summary>
    UdpSegmentation = 8,
}
