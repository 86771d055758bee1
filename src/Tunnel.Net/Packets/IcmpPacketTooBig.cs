using System.Buffers.Binary;
using Tunnel.Core.Checksums;

namespace Tunnel.Net.Packets;

/// <summary>
/// The ICMP messages of path MTU discovery: IPv4 "destination unreachable, fragmentation needed" with the next-hop MTU
/// (RFC 1191 section 4) and ICMPv6 "packet too big" (RFC 8201), each quoting the start of the packet that did not fit.
/// </summary>
internal static class IcmpPacketTooBig
{
    /// <summary>Reads the MTU and the quoted packet's addresses, protocol and first transport bytes.</summary>
    /// <returns>Whether the message is one of the two, well-formed, with a valid checksum.</returns>
    public static bool TryRead(in IPPacket packet, out int mtu, out Quoted quoted)
    {
        mtu = 0;
        quoted = default;
        ReadOnlySpan<byte> message = packet.Transport;
        if (message.Length < 8 + IPPacket.IPv4HeaderLength + 8)
        {
            return false;
        }

        bool isTooBig = packet.IsIPv6 ? message[0] == 2 && message[1] == 0 : message[0] == 3 && message[1] == 4;
        if (!isTooBig)
        {
            return false;
        }

        ulong sum = packet.IsIPv6
            ? InternetChecksum.Add(message, InternetChecksum.PseudoHeader(packet.Source, packet.Destination, IPProtocol.IcmpV6, message.Length))
            : InternetChecksum.Add(message);
        if (!InternetChecksum.IsValid(sum))
        {
            return false;
        }

        mtu = packet.IsIPv6 ? (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(message[4..]), int.MaxValue) : BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        ReadOnlySpan<byte> inner = message[8..];
        if (packet.IsIPv6)
        {
            if (inner.Length < IPPacket.IPv6HeaderLength + 8 || inner[0] >> 4 != 6)
            {
                return false;
            }

            quoted = new Quoted(inner.Slice(8, 16), inner.Slice(24, 16), inner[6], inner.Slice(IPPacket.IPv6HeaderLength, 8));
            return true;
        }

        int headerLength = (inner[0] & 0x0F) * 4;
        if (inner[0] >> 4 != 4 || headerLength < IPPacket.IPv4HeaderLength || inner.Length < headerLength + 8)
        {
            return false;
        }

        quoted = new Quoted(inner.Slice(12, 4), inner.Slice(16, 4), inner[9], inner.Slice(headerLength, 8));
        return true;
    }

    /// <summary>
    /// What the message quotes of the packet that was too big: our address, the peer's, the protocol and the transport
    /// header's first 8 bytes; views of the message, so that a flood of them allocates nothing.
    /// </summary>
    internal readonly ref struct Quoted(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, ReadOnlySpan<byte> transport)
    {
        public ReadOnlySpan<byte> Source { get; } = source;

        public ReadOnlySpan<byte> Destination { get; } = destination;

        public byte Protocol { get; } = protocol;

        public ReadOnlySpan<byte> Transport { get; } = transport;
    }
}
