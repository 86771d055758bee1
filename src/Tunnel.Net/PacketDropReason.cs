namespace Tunnel.Net;

/// <summary>Why the stack dropped an inbound packet; each is counted in <see cref="TunnelNetworkStatistics"/>.</summary>
public enum PacketDropReason
{
    /// <summary>Not dropped.</summary>
    None = 0,

    /// <summary>Too short for its headers, a length field that disagrees with the packet, or an unknown IP version.</summary>
    Malformed,

    /// <summary>An IPv4 header, ICMP, UDP or TCP checksum that does not verify.</summary>
    BadChecksum,

    /// <summary>An IPv4 or IPv6 fragment: the stack does not reassemble (path MTU discovery keeps senders from fragmenting).</summary>
    Fragment,

    /// <summary>Addressed to none of the interface's addresses.</summary>
    NotForUs,

    /// <summary>A protocol the stack does not speak, or an ICMP message it does not act on.</summary>
    UnsupportedProtocol,

    /// <summary>A UDP datagram to a port nothing is bound to.</summary>
    NoListener,

    /// <summary>A bounded queue was full: a socket's receive queue, or the queue of packets waiting for the tunnel.</summary>
    QueueFull,
}
