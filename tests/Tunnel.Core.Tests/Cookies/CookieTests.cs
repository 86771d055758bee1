using Tunnel.Core.Cookies;
using Tunnel.Core.Crypto;
using Tunnel.Core.Messages;
using Tunnel.Core.Tests.Support;
using Tunnel.Testing;

namespace Tunnel.Core.Tests.Cookies;

public sealed class CookieTests
{
    private static readonly TimeSpan Now = TimeSpan.FromMinutes(30);

    // The responder's address bytes as the device encodes a source: address, then port in network order.
    private static readonly byte[] Source = [192, 0, 2, 1, 0xCA, 0x6C];
    private static readonly byte[] SameAddressOtherPort = [192, 0, 2, 1, 0xCA, 0x6D];
    private static readonly byte[] OtherAddressSamePort = [192, 0, 2, 2, 0xCA, 0x6C];

    private readonly PublicKey _responder = PrivateKey.Create(Bytes.Pattern(32, 1)).GetPublicKey();

    [Fact]
    public void Mac1_IsValidOnlyForTheIntendedResponder_AndOnlyForTheBytesItCovers()
    {
        var checker = new CookieChecker(_responder, new DeterministicEntropy(1));
        var generator = new CookieGenerator(_responder);
        byte[] message = Initiation();
        generator.AddMacs(message, MessageLayout.InitiationMac1Offset, Now);
        Assert.True(checker.CheckMac1(message, MessageLayout.InitiationMac1Offset));

        var someoneElse = new CookieChecker(PrivateKey.Create(Bytes.Pattern(32, 2)).GetPublicKey(), new DeterministicEntropy(1));
        Assert.False(someoneElse.CheckMac1(message, MessageLayout.InitiationMac1Offset));

        for (int i = 0; i < MessageLayout.InitiationMac2Offset; i++)
        {
            byte[] tampered = (byte[])message.Clone();
            tampered[i] ^= 0x80;
            Assert.False(checker.CheckMac1(tampered, MessageLayout.InitiationMac1Offset), $"byte {i}");
        }

        // MAC2 is outside MAC1's coverage.
        message[MessageLayout.InitiationMac2Offset] ^= 1;
        Assert.True(checker.CheckMac1(message, MessageLayout.InitiationMac1Offset));
    }

    [Fact]
    public void WithoutACookie_Mac2IsZeros_AndInvalid()
    {
        var checker = new CookieChecker(_responder, new DeterministicEntropy(2));
        var generator = new CookieGenerator(_responder);
        byte[] message = Initiation();
        generator.AddMacs(message, MessageLayout.InitiationMac1Offset, Now);
        Assert.All(message[MessageLayout.InitiationMac2Offset..], b => Assert.Equal(0, b));
        Assert.False(checker.CheckMac2(message, MessageLayout.InitiationMac2Offset, Source, Now));
    }

    [Fact]
    public void CookieReply_RoundTrips_AndMac2IsValidForTheSameAddressAndPortOnly()
    {
        var checker = new CookieChecker(_responder, new DeterministicEntropy(3));
        var generator = new CookieGenerator(_responder);
        byte[] first = Initiation();
        generator.AddMacs(first, MessageLayout.InitiationMac1Offset, Now);

        var reply = new byte[MessageLayout.CookieReplySize];
        checker.WriteCookieReply(first, MessageLayout.InitiationMac1Offset, senderIndex: 0x11223344, Source, Now, reply);
        Assert.Equal(MessageType.CookieReply, MessageLayout.Classify(reply));
        Assert.Equal(0x11223344u, MessageLayout.ReadReceiverIndex(reply, MessageType.CookieReply));
        Assert.True(generator.TryConsumeCookieReply(reply, Now));

        byte[] retry = Initiation(seed: 9);
        generator.AddMacs(retry, MessageLayout.InitiationMac1Offset, Now + TimeSpan.FromSeconds(1));
        Assert.True(checker.CheckMac1(retry, MessageLayout.InitiationMac1Offset));
        Assert.True(checker.CheckMac2(retry, MessageLayout.InitiationMac2Offset, Source, Now + TimeSpan.FromSeconds(1)));
        Assert.False(checker.CheckMac2(retry, MessageLayout.InitiationMac2Offset, SameAddressOtherPort, Now + TimeSpan.FromSeconds(1)));
        Assert.False(checker.CheckMac2(retry, MessageLayout.InitiationMac2Offset, OtherAddressSamePort, Now + TimeSpan.FromSeconds(1)));
    }

    /// <summary>With a secret in place (a cookie already given), a zero MAC2 and a MAC2 one byte off are both refused.</summary>
    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(15)]
    public void WithASecret_AZeroOrAlteredMac2_IsInvalid(int alteredByte)
    {
        var checker = new CookieChecker(_responder, new DeterministicEntropy(5));
        var generator = new CookieGenerator(_responder);
        byte[] first = Initiation();
        generator.AddMacs(first, MessageLayout.InitiationMac1Offset, Now);
        var reply = new byte[MessageLayout.CookieReplySize];
        checker.WriteCookieReply(first, MessageLayout.InitiationMac1Offset, senderIndex: 1, Source, Now, reply);
        Assert.True(generator.TryConsumeCookieReply(reply, Now));

        byte[] retry = Initiation(seed: 10);
        generator.AddMacs(retry, MessageLayout.InitiationMac1Offset, Now);
        Assert.True(checker.CheckMac2(retry, MessageLayout.InitiationMac2Offset, Source, Now));
        Span<byte> mac2 = retry.AsSpan(MessageLayout.InitiationMac2Offset, MessageLayout.MacSize);
        if (alteredByte < 0)
        {
            mac2.Clear();
        }
        else
        {
            mac2[alteredByte] ^= 0x80;
        }

        Assert.False(checker.CheckMac2(retry, MessageLayout.InitiationMac2Offset, Source, Now));
    }

    [Fact]
    public void ACookieReply_ToAnyOtherMessage_OrTampered_IsRejected()
    {
        var checker = new CookieChecker(_responder, new DeterministicEntropy(4));
        var generator = new CookieGenerator(_responder);
        byte[] first = Initiation(seed: 1), second = Initiation(seed: 2);
        generator.AddMacs(first, MessageLayout.InitiationMac1Offset, Now);
        var replyToFirst = new byte[MessageLayout.CookieReplySize];
        checker.WriteCookieReply(first, MessageLayout.InitiationMac1Offset, 1, Source, Now, replyToFirst);

        generator.AddMacs(second, MessageLayout.InitiationMac1Offset, Now);
        Assert.False(generator.TryConsumeCookieReply(replyToFirst, Now)); // bound to the MAC1 of the last message sent

        var replyToSecond = new byte[MessageLayout.CookieReplySize];
        checker.WriteCookieReply(second, MessageLayout.InitiationMac1Offset, 1, Source, Now, replyToSecond);
        for (int i = MessageLayout.CookieReplyNonceOffset; i < MessageLayout.CookieReplySize; i++)
        {
            byte[] tampered = (byte[])replyToSecond.Clone();
            tampered[i] ^= 0x04;
            Assert.False(generator.TryConsumeCookieReply(tampered, Now), $"byte {i}");
        }

        Assert.True(generator.TryConsumeCookieReply(replyToSecond, Now));
    }

    [Fact]
    public void CookiesExpire_AfterTwoMinutes_OnBothSides()
    {
        var checker = new CookieChecker(_responder, new DeterministicEntropy(5));
        var generator = new CookieGenerator(_responder);
        byte[] message = Initiation();
        generator.AddMacs(message, MessageLayout.InitiationMac1Offset, Now);
        var reply = new byte[MessageLayout.CookieReplySize];
        checker.WriteCookieReply(message, MessageLayout.InitiationMac1Offset, 1, Source, Now, reply);
        Assert.True(generator.TryConsumeCookieReply(reply, Now));

        // The initiator stops using a cookie received 120 s ago or more...
        generator.AddMacs(message, MessageLayout.InitiationMac1Offset, Now + TimeSpan.FromSeconds(120));
        Assert.All(message[MessageLayout.InitiationMac2Offset..], b => Assert.Equal(0, b));

        // ...and the responder stops accepting MAC2 under a secret older than that.
        generator.AddMacs(message, MessageLayout.InitiationMac1Offset, Now + TimeSpan.FromSeconds(119));
        Assert.True(checker.CheckMac2(message, MessageLayout.InitiationMac2Offset, Source, Now + TimeSpan.FromSeconds(119)));
        Assert.False(checker.CheckMac2(message, MessageLayout.InitiationMac2Offset, Source, Now + TimeSpan.FromSeconds(121)));
    }

    private static byte[] Initiation(int seed = 0)
    {
        byte[] message = Bytes.Pattern(MessageLayout.InitiationSize, seed);
        message[0] = 1;
        message[1] = message[2] = message[3] = 0;
        return message;
    }
}
