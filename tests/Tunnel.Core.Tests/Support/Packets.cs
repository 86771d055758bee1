using System.Net;
using Tunnel.Testing;

namespace Tunnel.Core.Tests.Support;

/// <summary>Packets with a deterministic filler payload, built by <see cref="PacketBuilder"/>.</summary>
internal static class Packets
{
    internal static byte[] IPv4(byte[] source, byte[] destination, int payloadLength, int seed = 0) =>
        PacketBuilder.IPv4(new IPAddress(source), new IPAddress(destination), Bytes.Pattern(payloadLength, seed));

    internal static byte[] IPv6(byte[] source, byte[] destination, int payloadLength, int seed = 0) =>
        PacketBuilder.IPv6(new IPAddress(source), new IPAddress(destination), Bytes.Pattern(payloadLength, seed));
}
