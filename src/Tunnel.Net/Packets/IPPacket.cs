using System.Buffers.Binary;
using Tunnel.Core.Checksums;

namespace Tunnel.Net.Packets;

/// <summary>
/// A validated view of one IPv4 or IPv6 packet: its addresses, its transport protocol and that protocol's bytes.
/// Trailing bytes beyond the IP length (link padding) are cut off; IPv6 extension headers before the transport
/// header are walked over.
/// </summary>
internal readonly ref struct IPPacket
{
    public const int IPv4HeaderLength = 20;
    public const int IPv6HeaderLength = 40;

    private IPPacket(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, ReadOnlySpan<byte> transport, bool isIPv6)
    {
        Source = source;
        Destination = destination;
        Protocol = protocol;
        Transport = transport;
        IsIPv6 = isIPv6;
    }

    /// <summary>The source address: 4 or 16 bytes.</summary>
    public ReadOnlySpan<byte> Source { get; }

    /// <summary>The destination address: 4 or 16 bytes.</summary>
    public ReadOnlySpan<byte> Destination { get; }

    /// <summary>The transport protocol (<see cref="IPProtocol"/>).</summary>
    public byte Protocol { get; }

    /// <summary>The transport header and payload.</summary>
    public ReadOnlySpan<byte> Transport { get; }

    public bool IsIPv6 { get; }

    /// <summary>Parses and checks <paramref name="packet"/>.</summary>
    /// <returns>Whether it is a whole, unfragmented packet whose IP header is sound; <paramref name="reason"/> says why not.</returns>
    public static bool TryParse(ReadOnlySpan<byte> packet, out IPPacket result, out PacketDropReason reason)
    {
        result = default;
        if (packet.IsEmpty)
        {
            reason = PacketDropReason.Malformed;
            return false;
        }

        return (packet[0] >> 4) switch
        {
            4 => TryParseIPv4(packet, out result, out reason),
            6 => TryParseIPv6(packet, out result, out reason),
            _ => Fail(out reason, PacketDropReason.Malformed),
        };
    }

    private static bool TryParseIPv4(ReadOnlySpan<byte> packet, out IPPacket result, out PacketDropReason reason)
    {
        result = default;
        if (packet.Length < IPv4HeaderLength)
        {
            return Fail(out reason, PacketDropReason.Malformed);
        }

        int headerLength = (packet[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (headerLength < IPv4HeaderLength || totalLength < headerLength || totalLength > packet.Length)
        {
            return Fail(out reason, PacketDropReason.Malformed);
        }

        if (!InternetChecksum.IsValid(InternetChecksum.Add(packet[..headerLength])))
        {
            return Fail(out reason, PacketDropReason.BadChecksum);
        }

        // More-fragments set, or a fragment offset: a piece of a larger datagram (RFC 791 section 3.1).
        if ((BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0)
        {
            return Fail(out reason, PacketDropReason.Fragment);
        }

        result = new IPPacket(packet.Slice(12, 4), packet.Slice(16, 4), packet[9], packet[headerLength..totalLength], isIPv6: false);
        reason = PacketDropReason.None;
        return true;
    }

    private static bool TryParseIPv6(ReadOnlySpan<byte> packet, out IPPacket result, out PacketDropReason reason)
    {
        result = default;
        if (packet.Length < IPv6HeaderLength)
        {
            return Fail(out reason, PacketDropReason.Malformed);
        }

        int end = IPv6HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        if (end > packet.Length)
        {
            return Fail(out reason, PacketDropReason.Malformed);
        }

        byte next = packet[6];
        int offset = IPv6HeaderLength;
        while (next is IPProtocol.HopByHopOptions or IPProtocol.Routing or IPProtocol.DestinationOptions or IPProtocol.Fragment)
        {
            if (next == IPProtocol.Fragment)
            {
                return Fail(out reason, PacketDropReason.Fragment);
            }

            // Options and routing headers: a next-header byte, then the length in 8-byte units beyond the first 8 (RFC 8200 section 4).
            if (offset + 8 > end)
            {
                return Fail(out reason, PacketDropReason.Malformed);
            }

            int length = (packet[offset + 1] + 1) * 8;
            next = packet[offset];
            offset += length;
            if (offset > end)
            {
                return Fail(out reason, PacketDropReason.Malformed);
            }
        }

        result = new IPPacket(packet.Slice(8, 16), packet.Slice(24, 16), next, packet[offset..end], isIPv6: true);
        reason = PacketDropReason.None;
        return true;
    }

    private static bool Fail(out PacketDropReason reason, PacketDropReason why)
    {
        reason = why;
        return false;
    }
}
