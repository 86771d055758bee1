using System.Buffers.Binary;
using Tunnel.Core.Checksums;

namespace Tunnel.Platform.Offloads;

/// <summary>The few IPv4, IPv6, TCP and UDP header fields segmentation and coalescing read and rewrite.</summary>
internal static class IPHeaders
{
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const int IPv6HeaderLength = 40;
    public const int UdpHeaderLength = 8;
    public const int MinTcpHeaderLength = 20;

    /// <summary>TCP flags (RFC 9293 section 3.1, RFC 3168 for ECE and CWR).</summary>
    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10, Urg = 0x20, Ece = 0x40, Cwr = 0x80;

    /// <summary>Offsets inside the TCP header.</summary>
    public const int TcpSequence = 4, TcpAcknowledgement = 8, TcpDataOffset = 12, TcpFlags = 13, TcpChecksum = 16;

    /// <summary>Offsets inside the UDP header.</summary>
    public const int UdpLength = 4, UdpChecksum = 6;

    /// <summary>
    /// Reads the version and network header of a packet: its length and the transport protocol, for IPv4
    /// without fragmentation and IPv6 without extension headers (what segmentation offloads produce and
    /// what coalescing accepts).
    /// </summary>
    public static bool TryReadNetwork(ReadOnlySpan<byte> packet, out bool isIPv6, out int headerLength, out byte protocol)
    {
        isIPv6 = false;
        headerLength = 0;
        protocol = 0;
        if (packet.IsEmpty)
        {
            return false;
        }

        switch (packet[0] >> 4)
        {
            case 4:
                headerLength = (packet[0] & 0x0F) * 4;
                if (headerLength < 20 || packet.Length < headerLength || IsFragment(packet))
                {
                    return false;
                }

                protocol = packet[9];
                return true;
            case 6:
                if (packet.Length < IPv6HeaderLength)
                {
                    return false;
                }

                isIPv6 = true;
                headerLength = IPv6HeaderLength;
                protocol = packet[6];
                return true;
            default:
                return false;
        }
    }

    /// <summary>The IPv4 more-fragments flag or a non-zero fragment offset.</summary>
    public static bool IsFragment(ReadOnlySpan<byte> ipv4) => (BinaryPrimitives.ReadUInt16BigEndian(ipv4[6..]) & 0x3FFF) != 0;

    public static ReadOnlySpan<byte> Source(ReadOnlySpan<byte> packet, bool isIPv6) => isIPv6 ? packet.Slice(8, 16) : packet.Slice(12, 4);

    public static ReadOnlySpan<byte> Destination(ReadOnlySpan<byte> packet, bool isIPv6) => isIPv6 ? packet.Slice(24, 16) : packet.Slice(16, 4);

    /// <summary>
    /// Writes the length field of the network header for a packet of <paramref name="packetLength"/> bytes,
    /// and for IPv4 the identification and the header checksum.
    /// </summary>
    public static void RewriteNetwork(Span<byte> packet, bool isIPv6, int headerLength, int packetLength, ushort? identification)
    {
        if (isIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(packetLength - IPv6HeaderLength));
            return;
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packetLength);
        if (identification is { } id)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], id);
        }

        packet[10] = 0;
        packet[11] = 0;
        InternetChecksum.Store(packet, 10, InternetChecksum.Complement(InternetChecksum.Add(packet[..headerLength])));
    }

    /// <summary>The length the network header declares for the whole packet.</summary>
    public static int DeclaredLength(ReadOnlySpan<byte> packet, bool isIPv6) => isIPv6
        ? IPv6HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[4..])
        : BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);

    /// <summary>The sum of a transport segment (header and payload) with its pseudo-header.</summary>
    public static ulong TransportSum(ReadOnlySpan<byte> packet, bool isIPv6, int networkHeaderLength, byte protocol)
    {
        ReadOnlySpan<byte> transport = packet[networkHeaderLength..];
        ulong sum = InternetChecksum.PseudoHeader(Source(packet, isIPv6), Destination(packet, isIPv6), protocol, transport.Length);
        return InternetChecksum.Add(transport, sum);
    }
}
