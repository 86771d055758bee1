using System.Buffers.Binary;
using Tunnel.Core.Checksums;

namespace Tunnel.Net.Packets;

/// <summary>Writes the IP header in front of a transport header and payload the caller has already placed.</summary>
internal static class IPPacketWriter
{
    /// <summary>The hop limit (and IPv4 time to live) of every packet sent: Linux's default.</summary>
    public const byte HopLimit = 64;

    /// <summary>The IP header's length for an address of <paramref name="addressLength"/> bytes.</summary>
    public static int HeaderLength(int addressLength) => addressLength == 4 ? IPPacket.IPv4HeaderLength : IPPacket.IPv6HeaderLength;

    /// <summary>
    /// Writes an IPv4 or IPv6 header at the start of <paramref name="packet"/>, whose transport part (after the
    /// header) is <paramref name="transportLength"/> bytes long.
    /// </summary>
    /// <param name="packet">The whole packet, header first.</param>
    /// <param name="source">The source address, 4 or 16 bytes.</param>
    /// <param name="destination">The destination address, as long as the source.</param>
    /// <param name="protocol">The transport protocol.</param>
    /// <param name="transportLength">The transport header and payload length.</param>
    /// <param name="identification">The IPv4 identification; unused for IPv6.</param>
    /// <returns>The whole packet's length.</returns>
    public static int Write(Span<byte> packet, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int transportLength, ushort identification)
    {
        if (source.Length == 4)
        {
            int total = IPPacket.IPv4HeaderLength + transportLength;
            Span<byte> header = packet[..IPPacket.IPv4HeaderLength];
            header[0] = 0x45;
            header[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)total);
            BinaryPrimitives.WriteUInt16BigEndian(header[4..], identification);
            BinaryPrimitives.WriteUInt16BigEndian(header[6..], 0x4000); // don't fragment: path MTU discovery, no fragments of ours
            header[8] = HopLimit;
            header[9] = protocol;
            header[10] = header[11] = 0;
            source.CopyTo(header[12..]);
            destination.CopyTo(header[16..]);
            InternetChecksum.Store(header, 10, InternetChecksum.Complement(InternetChecksum.Add(header)));
            return total;
        }

        Span<byte> v6 = packet[..IPPacket.IPv6HeaderLength];
        BinaryPrimitives.WriteUInt32BigEndian(v6, 0x6000_0000);
        BinaryPrimitives.WriteUInt16BigEndian(v6[4..], (ushort)transportLength);
        v6[6] = protocol;
        v6[7] = HopLimit;
        source.CopyTo(v6[8..]);
        destination.CopyTo(v6[24..]);
        return IPPacket.IPv6HeaderLength + transportLength;
    }
}
