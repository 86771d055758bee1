using Tunnel.Core.Crypto;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Crypto;

public sealed class HmacBlake2sTests
{
    [Fact]
    public void MatchesKnownAnswers()
    {
        int count = 0;
        foreach (var vector in Vectors.Json("hmac-blake2s.json").EnumerateArray())
        {
            var mac = new byte[HmacBlake2s.HashSize];
            HmacBlake2s.HashData(vector.Hex("key"), vector.Hex("message"), mac);
            Assert.Equal(Convert.ToHexStringLower(vector.Hex("mac")), Convert.ToHexStringLower(mac));
            count++;
        }

        Assert.Equal(5, count);
    }

    [Fact]
    public void DestinationMayBeTheKey()
    {
        byte[] key = Bytes.Pattern(32, 1);
        byte[] message = Bytes.Pattern(100, 2);
        var expected = new byte[32];
        HmacBlake2s.HashData(key, message, expected);

        HmacBlake2s.HashData(key, message, key);
        Assert.Equal(expected, key);
    }

    [Fact]
    public void ShortDestination_Throws() =>
        Assert.Throws<ArgumentException>(() => HmacBlake2s.HashData(new byte[32], new byte[1], new byte[31]));
}
