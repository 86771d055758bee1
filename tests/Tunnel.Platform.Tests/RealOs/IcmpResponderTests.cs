using System.Net;
using Tunnel.Testing;

namespace Tunnel.Platform.Tests.RealOs;

/// <summary>The real-OS suite's far side answers pings correctly (this part runs everywhere).</summary>
public sealed class IcmpResponderTests
{
    [Fact]
    public void AnEchoRequest_GetsAReplyWithValidChecksums_AndOtherPacketsNone()
    {
        byte[] icmp = [8, 0, 0, 0, 0x12, 0x34, 0, 1, .. "ping"u8];
        icmp[2] = (byte)(PacketBuilder.HeaderChecksum(icmp) >> 8);
        icmp[3] = (byte)PacketBuilder.HeaderChecksum(icmp);
        byte[] request = PacketBuilder.IPv4(IPAddress.Parse("10.77.0.1"), IPAddress.Parse("10.77.0.2"), icmp, protocol: 1);

        byte[] reply = IcmpResponder.ReplyTo(request)!;

        Assert.Equal(IPAddress.Parse("10.77.0.2"), new IPAddress(reply.AsSpan(12, 4)));
        Assert.Equal(IPAddress.Parse("10.77.0.1"), new IPAddress(reply.AsSpan(16, 4)));
        Assert.Equal(0, reply[20]); // echo reply
        Assert.Equal(0, PacketBuilder.HeaderChecksum(reply.AsSpan(0, 20)));
        Assert.Equal(0, PacketBuilder.HeaderChecksum(reply.AsSpan(20)));
        Assert.Equal(request.AsSpan(24).ToArray(), reply.AsSpan(24).ToArray()); // identifier, sequence and data echoed

        Assert.Null(IcmpResponder.ReplyTo(PacketBuilder.IPv4(IPAddress.Parse("10.77.0.1"), IPAddress.Parse("10.77.0.2"), new byte[12])));
        Assert.Null(IcmpResponder.ReplyTo(reply)); // a reply is not answered
    }
}
