using Tunnel.Dns;

namespace Tunnel.SplitTunnel.Tests.Dns;

public sealed class DnsTcpFramingTests
{
    [Fact]
    public void Length_IsTwoBigEndianBytes()
    {
        var prefix = new byte[2];
        DnsTcpFraming.WriteLength(prefix, 0x1234);
        Assert.Equal([0x12, 0x34], prefix);
        Assert.True(DnsTcpFraming.TryReadLength(prefix, out int length));
        Assert.Equal(0x1234, length);

        DnsTcpFraming.WriteLength(prefix, DnsTcpFraming.MaxMessageLength);
        Assert.True(DnsTcpFraming.TryReadLength(prefix, out length));
        Assert.Equal(65535, length);

        Assert.False(DnsTcpFraming.TryReadLength(prefix.AsSpan(0, 1), out length));
        Assert.Equal(0, length);
        Assert.Throws<ArgumentOutOfRangeException>(() => DnsTcpFraming.WriteLength(prefix, 65536));
        Assert.Throws<ArgumentOutOfRangeException>(() => DnsTcpFraming.WriteLength(prefix, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DnsTcpFraming.WriteLength(new byte[1], 1));
    }

    [Fact]
    public void AMessage_IsFoundOnceWhole()
    {
        byte[] message = DnsMessageBuilder.Query("example.com").Build();
        byte[] stream = [.. new byte[2], .. message, 0xAA];
        DnsTcpFraming.WriteLength(stream, message.Length);

        for (int received = 0; received < message.Length + 2; received++)
        {
            Assert.False(DnsTcpFraming.TryReadMessage(stream.AsSpan(0, received), out var none));
            Assert.True(none.IsEmpty);
        }

        Assert.True(DnsTcpFraming.TryReadMessage(stream, out var found));
        Assert.Equal(message, found.ToArray());
        Assert.True(DnsMessage.TryParse(found, out _));

        Assert.True(DnsTcpFraming.TryReadMessage([0, 0], out var empty));
        Assert.True(empty.IsEmpty);
    }
}
