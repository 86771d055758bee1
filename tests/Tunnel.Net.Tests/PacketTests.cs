using System.Net;
using Tunnel.Net.Packets;
using Tunnel.Testing;

namespace Tunnel.Net.Tests;

/// <summary>
/// The stack's IP, UDP and ICMP parsers and writers against packets whose checksums were computed independently
/// (RFC 1071 word by word), and against malformed, corrupted and fragmented packets, which are refused with their reason.
/// </summary>
public sealed class PacketTests
{
    // 10.0.0.2:5353 -> 10.0.0.1:53, "hello", identification 0, DF.
    internal static readonly byte[] Udp4 = Convert.FromHexString("4500002100004000401126ca0a0000020a00000114e90035000d92e168656c6c6f");

    // [fd00::2]:5353 -> [fd00::1]:53, "hello".
    internal static readonly byte[] Udp6 = Convert.FromHexString("60000000000d1140fd000000000000000000000000000002fd00000000000000000000000000000114e90035000dacdf68656c6c6f");

    // Echo request 10.0.0.1 -> 10.0.0.2, identifier 0x1234, sequence 1, "abcd"; and its reply.
    internal static readonly byte[] Echo4Request = Convert.FromHexString("4500002000004000400126db0a0000010a000002080021041234000161626364");
    internal static readonly byte[] Echo4Reply = Convert.FromHexString("4500002000004000400126db0a0000020a000001000029041234000161626364");

    // The same over IPv6, fd00::1 -> fd00::2 (the ICMPv6 checksum covers the pseudo-header).
    internal static readonly byte[] Echo6Request = Convert.FromHexString("60000000000c3a40fd000000000000000000000000000001fd0000000000000000000000000000028000aeb81234000161626364");
    internal static readonly byte[] Echo6Reply = Convert.FromHexString("60000000000c3a40fd000000000000000000000000000002fd0000000000000000000000000000018100adb81234000161626364");

    [Fact]
    public void AUdpDatagram_IsRead_OverIPv4AndIPv6()
    {
        foreach (byte[] bytes in (byte[][])[Udp4, Udp6])
        {
            Assert.True(IPPacket.TryParse(bytes, out IPPacket packet, out _));
            Assert.Equal(IPProtocol.Udp, packet.Protocol);
            Assert.True(UdpHeader.TryRead(packet, out ushort sourcePort, out ushort destinationPort, out ReadOnlySpan<byte> payload, out PacketDropReason reason), reason.ToString());
            Assert.Equal(5353, sourcePort);
            Assert.Equal(53, destinationPort);
            Assert.Equal("hello"u8.ToArray(), payload.ToArray());
        }
    }

    [Fact]
    public void Writing_GivesTheIndependentlyComputedBytes()
    {
        foreach ((byte[] expected, string source, string destination) in new[] { (Udp4, "10.0.0.2", "10.0.0.1"), (Udp6, "fd00::2", "fd00::1") })
        {
            byte[] src = IPAddress.Parse(source).GetAddressBytes(), dst = IPAddress.Parse(destination).GetAddressBytes();
            var packet = new byte[expected.Length];
            int header = IPPacketWriter.HeaderLength(src.Length);
            "hello"u8.CopyTo(packet.AsSpan(header + UdpHeader.Length));
            int transport = UdpHeader.Write(packet.AsSpan(header), 5353, 53, 5, src, dst);
            int length = IPPacketWriter.Write(packet, src, dst, IPProtocol.Udp, transport, identification: 0);

            Assert.Equal(expected.Length, length);
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(packet));
        }
    }

    [Fact]
    public void EchoMessages_AreReadWithTheirIdentifierAndSequence()
    {
        foreach ((byte[] bytes, bool isRequest) in new[] { (Echo4Request, true), (Echo4Reply, false), (Echo6Request, true), (Echo6Reply, false) })
        {
            Assert.True(IPPacket.TryParse(bytes, out IPPacket packet, out _));
            Assert.True(IcmpEcho.TryRead(packet, out bool request, out ushort identifier, out ushort sequence, out PacketDropReason reason), reason.ToString());
            Assert.Equal(isRequest, request);
            Assert.Equal(0x1234, identifier);
            Assert.Equal(1, sequence);
        }
    }

    [Theory]
    [InlineData(10)]   // a byte of the IPv4 header checksum
    [InlineData(26)]   // a byte of the UDP checksum
    [InlineData(32)]   // a byte of the data
    public void AFlippedBit_IsABadChecksum(int index)
    {
        byte[] corrupted = (byte[])Udp4.Clone();
        corrupted[index] ^= 0x01;

        PacketDropReason reason = IPPacket.TryParse(corrupted, out IPPacket packet, out PacketDropReason ipReason)
            ? (UdpHeader.TryRead(packet, out _, out _, out _, out PacketDropReason udpReason) ? PacketDropReason.None : udpReason)
            : ipReason;
        Assert.Equal(PacketDropReason.BadChecksum, reason);
    }

    [Fact]
    public void AZeroUdpChecksum_IsAcceptedOverIPv4_ButNotOverIPv6()
    {
        byte[] v4 = PacketBuilder.IPv4(IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1"), [0x14, 0xE9, 0x00, 0x35, 0x00, 0x0D, 0x00, 0x00, .. "hello"u8]);
        Assert.True(IPPacket.TryParse(v4, out IPPacket packet4, out _));
        Assert.True(UdpHeader.TryRead(packet4, out _, out _, out _, out _)); // "no checksum" (RFC 768)

        byte[] v6 = (byte[])Udp6.Clone();
        v6[46] = v6[47] = 0;
        Assert.True(IPPacket.TryParse(v6, out IPPacket packet6, out _));
        Assert.False(UdpHeader.TryRead(packet6, out _, out _, out _, out PacketDropReason reason));
        Assert.Equal(PacketDropReason.BadChecksum, reason);
    }

    [Fact]
    public void Fragments_AreRefused_OverIPv4AndIPv6()
    {
        byte[] moreFragments = PacketBuilder.IPv4(IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1"), new byte[16]);
        moreFragments[6] = 0x20; // MF
        moreFragments[10] = moreFragments[11] = 0;
        ushort checksum = PacketBuilder.HeaderChecksum(moreFragments.AsSpan(0, 20));
        moreFragments[10] = (byte)(checksum >> 8);
        moreFragments[11] = (byte)checksum;
        Assert.False(IPPacket.TryParse(moreFragments, out _, out PacketDropReason reason4));
        Assert.Equal(PacketDropReason.Fragment, reason4);

        byte[] fragment6 = PacketBuilder.IPv6(IPAddress.Parse("fd00::2"), IPAddress.Parse("fd00::1"), new byte[16], nextHeader: IPProtocol.Fragment);
        Assert.False(IPPacket.TryParse(fragment6, out _, out PacketDropReason reason6));
        Assert.Equal(PacketDropReason.Fragment, reason6);
    }

    [Fact]
    public void IPv6ExtensionHeaders_AreWalkedToTheTransport()
    {
        byte[] datagram = Udp6.AsSpan(40).ToArray();
        byte[] hopByHop = [IPProtocol.Udp, 0, 1, 4, 0, 0, 0, 0]; // next header UDP, 8 bytes, a PadN option
        byte[] packet = PacketBuilder.IPv6(IPAddress.Parse("fd00::2"), IPAddress.Parse("fd00::1"), [.. hopByHop, .. datagram], nextHeader: IPProtocol.HopByHopOptions);

        Assert.True(IPPacket.TryParse(packet, out IPPacket parsed, out _));
        Assert.Equal(IPProtocol.Udp, parsed.Protocol);
        Assert.True(UdpHeader.TryRead(parsed, out _, out ushort port, out _, out _));
        Assert.Equal(53, port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("45")]
    [InlineData("5500002100004000401126ca0a0000020a000001")]                                 // version 5
    [InlineData("4400002100004000401126ca0a0000020a00000114e90035000d92e168656c6c6f")]        // header length 16
    [InlineData("4500002200004000401126ca0a0000020a00000114e90035000d92e168656c6c6f")]        // longer than the bytes
    [InlineData("60000000000e1140fd000000000000000000000000000002fd00000000000000000000000000000114e90035000dacdf68656c6c6f")] // IPv6 payload length too long
    public void TruncatedOrInconsistentPackets_AreMalformed(string hex)
    {
        Assert.False(IPPacket.TryParse(Convert.FromHexString(hex), out _, out PacketDropReason reason));
        Assert.Equal(PacketDropReason.Malformed, reason);
    }

    [Fact]
    public void PaddingBeyondTheIPLength_IsCutOff()
    {
        byte[] padded = [.. Udp4, 0, 0, 0, 0];
        Assert.True(IPPacket.TryParse(padded, out IPPacket packet, out _));
        Assert.Equal(Udp4.Length - 20, packet.Transport.Length);
    }
}
