using System.Net;

namespace Tunnel.Testing.Tests;

public sealed class PacketBuilderTests
{
    [Fact]
    public void IPv4HeaderChecksum_MatchesAKnownHeader()
    {
        // The classic worked example: 45 00 00 73 00 00 40 00 40 11 [b8 61] c0 a8 00 01 c0 a8 00 c7.
        byte[] header = Convert.FromHexString("450000730000400040110000c0a80001c0a800c7");
        Assert.Equal(0xb861, PacketBuilder.HeaderChecksum(header));
    }

    [Fact]
    public void IPv4_HasItsLengthsAndAValidChecksum()
    {
        byte[] packet = PacketBuilder.IPv4(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), new byte[30]);
        Assert.Equal(50, packet.Length);
        Assert.Equal(0x45, packet[0]);
        Assert.Equal(50, (packet[2] << 8) | packet[3]);
        Assert.Equal(0, PacketBuilder.HeaderChecksum(packet.AsSpan(0, 20))); // a valid header sums to zero
        Assert.Equal([10, 0, 0, 2], packet[16..20]);
    }

    [Fact]
    public void IPv6_HasItsPayloadLength()
    {
        byte[] packet = PacketBuilder.IPv6(IPAddress.Parse("fd00::1"), IPAddress.Parse("fd00::2"), new byte[7], nextHeader: 58);
        Assert.Equal(47, packet.Length);
        Assert.Equal(0x60, packet[0]);
        Assert.Equal(7, (packet[4] << 8) | packet[5]);
        Assert.Equal(58, packet[6]);
    }

    [Fact]
    public void MixedFamilies_Throw() =>
        Assert.Throws<ArgumentException>(() => PacketBuilder.IPv4(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::2"), []));
}
