using System.Runtime.InteropServices;

namespace Tunnel.Platform.Offloads;

/// <summary>
/// <c>struct virtio_net_hdr</c> (linux/virtio_net.h): the 10 bytes in front of every packet on a TUN device
/// opened with <c>IFF_VNET_HDR</c>, saying whether the packet is a segmentation-offload super-packet and
/// where its checksum is still to be completed. Fields are in host byte order (the TUN default).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct VirtioNetHeader
{
    /// <summary>The header's size on the wire.</summary>
    public const int Size = 10;

    /// <summary><c>VIRTIO_NET_HDR_F_NEEDS_CSUM</c>: the checksum at CsumStart + CsumOffset holds only the pseudo-header sum.</summary>
    public const byte NeedsChecksum = 1;

    /// <summary><c>VIRTIO_NET_HDR_GSO_NONE</c>.</summary>
    public const byte GsoNone = 0;

    /// <summary><c>VIRTIO_NET_HDR_GSO_TCPV4</c>.</summary>
    public const byte GsoTcpV4 = 1;

    /// <summary><c>VIRTIO_NET_HDR_GSO_TCPV6</c>.</summary>
    public const byte GsoTcpV6 = 4;

    /// <summary><c>VIRTIO_NET_HDR_GSO_UDP_L4</c>: UDP segmentation, either family.</summary>
    public const byte GsoUdpL4 = 5;

    /// <summary><c>VIRTIO_NET_HDR_GSO_ECN</c>: a flag on the TCP types, the segments carry CWR as the first did.</summary>
    public const byte GsoEcn = 0x80;

    public byte Flags;
    public byte GsoType;
    public ushort HeaderLength;
    public ushort GsoSize;
    public ushort ChecksumStart;
    public ushort ChecksumOffset;

    public static VirtioNetHeader Read(ReadOnlySpan<byte> source) => MemoryMarshal.Read<VirtioNetHeader>(source);

    public readonly void Write(Span<byte> destination) => MemoryMarshal.Write(destination, in this);
}
