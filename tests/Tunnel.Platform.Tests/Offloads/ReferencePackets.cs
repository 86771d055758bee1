using System.Buffers.Binary;

namespace Tunnel.Platform.Tests.Offloads;

/// <summary>
/// A deliberately plain packet builder for the offload tests: every field written one by one and every
/// checksum a big-endian word loop, so it shares no code with what it checks.
/// </summary>
internal static class ReferencePackets
{
    public const byte Tcp = 6, Udp = 17;

    /// <summary>One flow: addresses, ports and the IP fields that stay fixed.</summary>
    public sealed record Flow(bool IsIPv6, byte[] Source, byte[] Destination, ushort SourcePort, ushort DestinationPort, byte Protocol)
    {
        public static Flow Random(Random random, bool isIPv6, byte protocol)
        {
            var source = new byte[isIPv6 ? 16 : 4];
            var destination = new byte[source.Length];
            random.NextBytes(source);
            random.NextBytes(destination);
            return new Flow(isIPv6, source, destination, (ushort)random.Next(1, 65536), (ushort)random.Next(1, 65536), protocol);
        }
    }

    /// <summary>A TCP segment with correct lengths and checksums.</summary>
    public static byte[] TcpSegment(Flow flow, uint sequence, uint acknowledgement, byte flags, ReadOnlySpan<byte> options, ReadOnlySpan<byte> payload, ushort identification = 0, ushort window = 502)
    {
        int tcpLength = 20 + options.Length;
        var transport = new byte[tcpLength + payload.Length];
        Write16(transport, 0, flow.SourcePort);
        Write16(transport, 2, flow.DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(transport.AsSpan(4), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(transport.AsSpan(8), acknowledgement);
        transport[12] = (byte)((tcpLength / 4) << 4);
        transport[13] = flags;
        Write16(transport, 14, window);
        options.CopyTo(transport.AsSpan(20));
        payload.CopyTo(transport.AsSpan(tcpLength));
        Write16(transport, 16, TransportChecksum(flow, transport));
        return Wrap(flow, transport, identification);
    }

    /// <summary>A UDP datagram with correct lengths and checksum.</summary>
    public static byte[] UdpDatagram(Flow flow, ReadOnlySpan<byte> payload, ushort identification = 0)
    {
        var transport = new byte[8 + payload.Length];
        Write16(transport, 0, flow.SourcePort);
        Write16(transport, 2, flow.DestinationPort);
        Write16(transport, 4, (ushort)transport.Length);
        payload.CopyTo(transport.AsSpan(8));
        ushort checksum = TransportChecksum(flow, transport);
        Write16(transport, 6, checksum == 0 ? (ushort)0xFFFF : checksum);
        return Wrap(flow, transport, identification);
    }

    /// <summary>RFC 1071, one big-endian 16-bit word at a time.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += i + 1 < data.Length ? (uint)((data[i] << 8) | data[i + 1]) : (uint)(data[i] << 8);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>The checksum over a transport segment with its pseudo-header.</summary>
    public static ushort TransportChecksum(Flow flow, ReadOnlySpan<byte> transport)
    {
        var pseudo = new byte[(flow.Source.Length * 2) + 8 + transport.Length];
        flow.Source.CopyTo(pseudo, 0);
        flow.Destination.CopyTo(pseudo, flow.Source.Length);
        int at = flow.Source.Length * 2;
        BinaryPrimitives.WriteUInt32BigEndian(pseudo.AsSpan(at), (uint)transport.Length);
        pseudo[at + 7] = flow.Protocol;
        transport.CopyTo(pseudo.AsSpan(at + 8));
        var zeroed = pseudo.AsSpan(at + 8 + (flow.Protocol == Tcp ? 16 : 6), 2);
        zeroed.Clear();
        return Checksum(pseudo);
    }

    private static byte[] Wrap(Flow flow, byte[] transport, ushort identification)
    {
        if (flow.IsIPv6)
        {
            var packet = new byte[40 + transport.Length];
            packet[0] = 0x60;
            Write16(packet, 4, (ushort)transport.Length);
            packet[6] = flow.Protocol;
            packet[7] = 64;
            flow.Source.CopyTo(packet, 8);
            flow.Destination.CopyTo(packet, 24);
            transport.CopyTo(packet, 40);
            return packet;
        }

        var ipv4 = new byte[20 + transport.Length];
        ipv4[0] = 0x45;
        Write16(ipv4, 2, (ushort)ipv4.Length);
        Write16(ipv4, 4, identification);
        ipv4[6] = 0x40; // DF
        ipv4[8] = 64;
        ipv4[9] = flow.Protocol;
        flow.Source.CopyTo(ipv4, 12);
        flow.Destination.CopyTo(ipv4, 16);
        Write16(ipv4, 10, Checksum(ipv4.AsSpan(0, 20)));
        transport.CopyTo(ipv4, 20);
        return ipv4;
    }

    private static void Write16(byte[] buffer, int offset, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset), value);
}
