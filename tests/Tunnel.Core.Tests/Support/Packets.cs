using System.Buffers.Binary;

namespace Tunnel.Core.Tests.Support;

/// <summary>Minimal well-formed IP packets for the protocol tests.</summary>
internal static class Packets
{
    internal static byte[] IPv4(byte[] source, byte[] destination, int payloadLength, int seed = 0)
    {
        var packet = new byte[20 + payloadLength];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 17;
        source.CopyTo(packet, 12);
        destination.CopyTo(packet, 16);
        Bytes.Pattern(payloadLength, seed).CopyTo(packet, 20);
        return packet;
    }

    internal static byte[] IPv6(byte[] source, byte[] destination, int payloadLength, int seed = 0)
    {
        var packet = new byte[40 + payloadLength];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)payloadLength);
        packet[6] = 17;
        packet[7] = 64;
        source.CopyTo(packet, 8);
        destination.CopyTo(packet, 24);
        Bytes.Pattern(payloadLength, seed).CopyTo(packet, 40);
        return packet;
    }
}
