using System.Buffers.Binary;
using Tunnel.Core.Checksums;

namespace Tunnel.Net.Packets;

/// <summary>The UDP header (RFC 768): ports, length, checksum over the pseudo-header (mandatory for IPv6, RFC 8200 section 8.1).</summary>
internal static class UdpHeader
{
    public const int Length = 8;

    /// <summary>Reads a datagram out of an IP packet's transport bytes, checking its length and checksum.</summary>
    public static bool TryRead(in IPPacket packet, out ushort sourcePort, out ushort destinationPort, out ReadOnlySpan<byte> payload, out PacketDropReason reason)
    {
        sourcePort = destinationPort = 0;
        payload = default;
        ReadOnlySpan<byte> datagram = packet.Transport;
        if (datagram.Length < Length)
        {
            reason = PacketDropReason.Malformed;
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]);
        if (length < Length || length > datagram.Length)
        {
            reason = PacketDropReason.Malformed;
            return false;
        }

        datagram = datagram[..length];
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(datagram[6..]);
        bool verify = checksum != 0 || packet.IsIPv6; // IPv4 may send none; IPv6 must (zero is then simply wrong)
        if (verify && !InternetChecksum.IsValid(InternetChecksum.Add(datagram, InternetChecksum.PseudoHeader(packet.Source, packet.Destination, IPProtocol.Udp, length))))
        {
            reason = PacketDropReason.BadChecksum;
            return false;
        }

        sourcePort = BinaryPrimitives.ReadUInt16BigEndian(datagram);
        destinationPort = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        payload = datagram[Length..];
        reason = PacketDropReason.None;
        return true;
    }

    /// <summary>Writes the header in front of the <paramref name="payloadLength"/> payload bytes already in place after it, and its checksum.</summary>
    /// <returns>The datagram's length.</returns>
    public static int Write(Span<byte> datagram, ushort sourcePort, ushort destinationPort, int payloadLength, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        int length = Length + payloadLength;
        BinaryPrimitives.WriteUInt16BigEndian(datagram, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[4..], (ushort)length);
        datagram[6] = datagram[7] = 0;
        ushort checksum = InternetChecksum.Complement(InternetChecksum.Add(datagram[..length], InternetChecksum.PseudoHeader(source, destination, IPProtocol.Udp, length)));
        // A computed zero is sent as all ones: zero on the wire means "no checksum" (RFC 768).
        InternetChecksum.Store(datagram, 6, checksum == 0 ? (ushort)0xFFFF : checksum);
        return length;
    }
}
