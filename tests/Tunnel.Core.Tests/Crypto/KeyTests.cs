using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto;

namespace Tunnel.Core.Tests.Crypto;

public sealed class KeyTests
{
    // RFC 7748 section 6.1's Alice, in the base64 form wg prints.
    private const string AlicePrivate = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
    private const string AlicePublic = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

    [Fact]
    public void PrivateKey_ParsesBase64_AndDerivesItsPublicKey()
    {
        Assert.True(PrivateKey.TryParse(AlicePrivate, out var privateKey));
        Assert.Equal(AlicePublic, privateKey.GetPublicKey().ToBase64String());
        Assert.Equal(AlicePrivate, privateKey.ToBase64String());
        Assert.Equal("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", privateKey.ToHexString());
    }

    [Fact]
    public void PrivateKey_ToString_DoesNotRevealTheKey()
    {
        Assert.True(PrivateKey.TryParse(AlicePrivate, out var privateKey));
        Assert.DoesNotContain(AlicePrivate[..8], privateKey.ToString(), StringComparison.Ordinal);
        Assert.True(PresharedKey.TryParse(AlicePrivate, out var psk));
        Assert.DoesNotContain(AlicePrivate[..8], psk.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Clear_WipesTheKey()
    {
        Assert.True(PrivateKey.TryParse(AlicePrivate, out var privateKey));
        Assert.False(privateKey.IsEmpty);
        privateKey.Clear();
        Assert.True(privateKey.IsEmpty);
        Assert.All(privateKey.AsSpan().ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void PrivateKey_Create_ClampsEntropy_AndAgreesWithThePeer()
    {
        var a = PrivateKey.Create(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());
        var b = PrivateKey.Create(Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray());
        Assert.Equal(0, a.AsSpan()[0] & 7);
        byte[] s1 = new byte[32], s2 = new byte[32];
        Assert.True(a.TryComputeSharedSecret(b.GetPublicKey(), s1));
        Assert.True(b.TryComputeSharedSecret(a.GetPublicKey(), s2));
        Assert.Equal(s1, s2);
    }

    [Property(MaxTest = 200)]
    public Property Base64AndHex_RoundTrip(byte[] seed)
    {
        var bytes = new byte[32];
        seed.AsSpan(0, Math.Min(seed.Length, 32)).CopyTo(bytes);
        var key = new PublicKey(bytes);
        return (PublicKey.TryParse(key.ToBase64String(), out var fromBase64) && fromBase64 == key
            && PublicKey.TryParseHex(key.ToHexString(), out var fromHex) && fromHex == key
            && PresharedKey.TryParse(key.ToBase64String(), out var psk) && psk.AsSpan().SequenceEqual(bytes)
            && PrivateKey.TryParseHex(key.ToHexString().ToUpperInvariant(), out var sk) && sk.AsSpan().SequenceEqual(bytes)).ToProperty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo")] // no padding
    [InlineData("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm==")] // 31 bytes
    [InlineData("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo==")] // 45 characters
    [InlineData("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066Spjqqb!mo=")] // not base64
    [InlineData(" SDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=")] // whitespace
    public void MalformedBase64_IsRejected(string text)
    {
        Assert.False(PublicKey.TryParse(text, out var key));
        Assert.True(key.IsEmpty);
        Assert.False(PrivateKey.TryParse(text, out _));
        Assert.False(PresharedKey.TryParse(text, out _));
    }

    [Theory]
    [InlineData("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6")] // 63 digits
    [InlineData("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a0")] // 65 digits
    [InlineData("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6g")] // not hex
    public void MalformedHex_IsRejected(string text) => Assert.False(PublicKey.TryParseHex(text, out _));

    [Fact]
    public void PublicKey_Equality_IsByValue()
    {
        Assert.True(PublicKey.TryParse(AlicePublic, out var a));
        Assert.True(PublicKey.TryParse(AlicePublic, out var b));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, default);
        Assert.True(default(PublicKey).IsEmpty);
        Assert.Throws<ArgumentException>(() => new PublicKey(new byte[31]));
    }
}
