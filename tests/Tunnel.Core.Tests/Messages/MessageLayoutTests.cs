using Tunnel.Core.Messages;

namespace Tunnel.Core.Tests.Messages;

public sealed class MessageLayoutTests
{
    [Theory]
    [InlineData(1, 148, MessageType.HandshakeInitiation)]
    [InlineData(1, 147, MessageType.Invalid)]
    [InlineData(1, 149, MessageType.Invalid)]
    [InlineData(2, 92, MessageType.HandshakeResponse)]
    [InlineData(2, 91, MessageType.Invalid)]
    [InlineData(2, 148, MessageType.Invalid)]
    [InlineData(3, 64, MessageType.CookieReply)]
    [InlineData(3, 65, MessageType.Invalid)]
    [InlineData(4, 32, MessageType.TransportData)]
    [InlineData(4, 31, MessageType.Invalid)]
    [InlineData(4, 1500, MessageType.TransportData)]
    [InlineData(5, 148, MessageType.Invalid)]
    [InlineData(0, 148, MessageType.Invalid)]
    public void Classify_ChecksTypeAndExactSize(byte type, int length, MessageType expected)
    {
        var datagram = new byte[length];
        datagram[0] = type;
        Assert.Equal(expected, MessageLayout.Classify(datagram));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Classify_RejectsNonZeroReservedBytes(int reservedByte)
    {
        var datagram = new byte[148];
        datagram[0] = 1;
        datagram[reservedByte] = 1;
        Assert.Equal(MessageType.Invalid, MessageLayout.Classify(datagram));
    }

    [Fact]
    public void Classify_TooShortForAType_IsInvalid()
    {
        Assert.Equal(MessageType.Invalid, MessageLayout.Classify([]));
        Assert.Equal(MessageType.Invalid, MessageLayout.Classify([4, 0, 0]));
    }

    [Fact]
    public void Sizes_AddUp()
    {
        Assert.Equal(MessageLayout.InitiationSize, MessageLayout.InitiationMac2Offset + 16);
        Assert.Equal(MessageLayout.InitiationMac1Offset, MessageLayout.InitiationBodyOffset + MessageLayout.InitiationBodySize);
        Assert.Equal(MessageLayout.ResponseSize, MessageLayout.ResponseMac2Offset + 16);
        Assert.Equal(MessageLayout.ResponseMac1Offset, MessageLayout.ResponseBodyOffset + MessageLayout.ResponseBodySize);
        Assert.Equal(MessageLayout.CookieReplySize, MessageLayout.CookieReplyCookieOffset + 32);
    }

    [Theory]
    [InlineData(0, 1420, 0)]
    [InlineData(1, 1420, 16)]
    [InlineData(16, 1420, 16)]
    [InlineData(17, 1420, 32)]
    [InlineData(1419, 1420, 1420)]
    [InlineData(1420, 1420, 1420)]
    [InlineData(1413, 1420, 1420)] // 1424 would pass the MTU: capped
    [InlineData(1401, 1420, 1408)]
    [InlineData(100, 0, 112)] // no MTU: no cap
    [InlineData(3001, 1420, 3016)] // larger than the MTU: the last unit, 161 bytes, is padded to 176
    public void PaddedLength_IsAMultipleOf16_CappedAtTheMtu(int length, int mtu, int expected) =>
        Assert.Equal(expected, MessageLayout.PaddedLength(length, mtu));
}
