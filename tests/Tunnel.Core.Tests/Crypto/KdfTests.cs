using Tunnel.Core.Crypto;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Crypto;

public sealed class KdfTests
{
    [Fact]
    public void MatchesWireGuardGoVectors()
    {
        int count = 0;
        foreach (var v in Vectors.Json("wireguard-kdf.json").EnumerateArray())
        {
            byte[] key = v.Hex("key"), input = v.Hex("input");
            byte[] t0 = new byte[32], t1 = new byte[32], t2 = new byte[32];
            switch (v.GetProperty("kind").GetString())
            {
                case "kdf1":
                    Kdf.Derive(key, input, t0);
                    break;
                case "kdf2":
                    Kdf.Derive(key, input, t0, t1);
                    Assert.Equal(v.Hex("t1"), t1);
                    break;
                case "kdf3":
                    Kdf.Derive(key, input, t0, t1, t2);
                    Assert.Equal(v.Hex("t1"), t1);
                    Assert.Equal(v.Hex("t2"), t2);
                    break;
                default:
                    Assert.Fail("unknown kind");
                    break;
            }

            Assert.Equal(v.Hex("t0"), t0);
            count++;
        }

        Assert.Equal(9, count);
    }

    [Fact]
    public void KdfN_IsAPrefixOfKdfNPlusOne()
    {
        byte[] key = Bytes.Pattern(32, 3), input = Bytes.Pattern(32, 4);
        byte[] a1 = new byte[32];
        byte[] b1 = new byte[32], b2 = new byte[32];
        byte[] c1 = new byte[32], c2 = new byte[32], c3 = new byte[32];
        Kdf.Derive(key, input, a1);
        Kdf.Derive(key, input, b1, b2);
        Kdf.Derive(key, input, c1, c2, c3);
        Assert.Equal(a1, b1);
        Assert.Equal(b1, c1);
        Assert.Equal(b2, c2);
        Assert.NotEqual(c2, c3);
    }

    [Fact]
    public void OutputsMayOverlapKeyAndInput_AsTheHandshakeChainsThem()
    {
        byte[] chainingKey = Bytes.Pattern(32, 5), input = Bytes.Pattern(32, 6);
        byte[] expected1 = new byte[32], expected2 = new byte[32];
        Kdf.Derive(chainingKey, input, expected1, expected2);

        // (C, k) := KDF2(C, input), with k written over the input.
        Kdf.Derive(chainingKey, input, chainingKey, input);
        Assert.Equal(expected1, chainingKey);
        Assert.Equal(expected2, input);
    }

    [Fact]
    public void ShortOutput_Throws() =>
        Assert.Throws<ArgumentException>(() => Kdf.Derive(new byte[32], new byte[32], new byte[32], new byte[31]));
}
