using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Tunnel.Testing;

/// <summary>Well-formed IPv4 and IPv6 packets for tests: correct lengths and IPv4 header checksum.</summary>
public static class PacketBuilder
{
    /// <summary>The IP protocol number of UDP.</summary>
    public const byte Udp = 17;

    /// <summary>Builds an IPv4 packet (20-byte header, TTL 64) around <paramref name="payload"/>.</summary>
    /// <param name="source">The source address.</param>
    /// <param name="destination">The destination address.</param>
    /// <param name="payload">The payload after the IP header.</param>
    /// <param name="protocol">The IP protocol number; UDP by default.</param>
    /// <returns>A new packet.</returns>
    public static byte[] IPv4(IPAddress source, IPAddress destination, ReadOnlySpan<byte> payload, byte protocol = Udp)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (source.AddressFamily != AddressFamily.InterNetwork || destination.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("IPv4 packets need IPv4 addresses.");
        }

        var packet = new byte[20 + payload.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), checked((ushort)packet.Length));
        packet[8] = 64;
        packet[9] = protocol;
        source.TryWriteBytes(packet.AsSpan(12), out _);
        destination.TryWriteBytes(packet.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), HeaderChecksum(packet.AsSpan(0, 20)));
        payload.CopyTo(packet.AsSpan(20));
        return packet;
    }

    /// <summary>Builds an IPv6 packet (40-byte header, hop limit 64) around <paramref name="payload"/>.</summary>
    /// <param name="source">The source address.</param>
    /// <param name="destination">The destination address.</param>
    /// <param name="payload">The payload after the IP header.</param>
    /// <param name="nextHeader">The next-header number; UDP by default.</param>
    /// <returns>A new packet.</returns>
    public static byte[] IPv6(IPAddress source, IPAddress destination, ReadOnlySpan<byte> payload, byte nextHeader = Udp)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (source.AddressFamily != AddressFamily.InterNetworkV6 || destination.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("IPv6 packets need IPv6 addresses.");
        }

        var packet = new byte[40 + payload.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), checked((ushort)payload.Length));
        packet[6] = nextHeader;
        packet[7] = 64;
        source.TryWriteBytes(packet.AsSpan(8), out _);
        destination.TryWriteBytes(packet.AsSpan(24), out _);
        payload.CopyTo(packet.AsSpan(40));
        return packet;
    }

    /// <summary>The Internet checksum (RFC 1071) of an IPv4 header whose checksum field is zero.</summary>
    /// <param name="header">The header.</param>
    /// <returns>The checksum to store in bytes 10-11.</returns>
    public static ushort HeaderChecksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        if ((header.Length & 1) != 0)
        {
            sum += (uint)header[^1] << 8;
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
