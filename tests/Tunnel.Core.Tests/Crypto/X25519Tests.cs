using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Crypto;

public sealed class X25519Tests
{
    [Fact]
    public void Rfc7748Section5_2_ScalarMultiplication()
    {
        int count = 0;
        foreach (var v in Vectors.Json("x25519.json").GetProperty("scalarmult").EnumerateArray())
        {
            var output = new byte[32];
            Assert.True(X25519.TryComputeSharedSecret(v.Hex("scalar"), v.Hex("u"), output));
            Assert.Equal(v.Hex("output"), output);
            count++;
        }

        Assert.Equal(2, count);
    }

    [Fact]
    public void Rfc7748Section5_2_Iterated1000Times()
    {
        var iterated = Vectors.Json("x25519.json").GetProperty("iterated");
        byte[] k = new byte[32], u = new byte[32], next = new byte[32];
        k[0] = 9;
        u[0] = 9;
        for (int i = 1; i <= 1000; i++)
        {
            Assert.True(X25519.TryComputeSharedSecret(k, u, next));
            k.CopyTo(u, 0);
            next.CopyTo(k, 0);
            if (i == 1)
            {
                Assert.Equal(iterated.Hex("k1"), k);
            }
        }

        Assert.Equal(iterated.Hex("k1000"), k);
    }

    [Fact]
    public void Rfc7748Section6_1_DiffieHellman()
    {
        var dh = Vectors.Json("x25519.json").GetProperty("dh");
        byte[] alicePublic = new byte[32], bobPublic = new byte[32], s1 = new byte[32], s2 = new byte[32];
        X25519.ComputePublicKey(dh.Hex("alicePrivate"), alicePublic);
        X25519.ComputePublicKey(dh.Hex("bobPrivate"), bobPublic);
        Assert.Equal(dh.Hex("alicePublic"), alicePublic);
        Assert.Equal(dh.Hex("bobPublic"), bobPublic);
        Assert.True(X25519.TryComputeSharedSecret(dh.Hex("alicePrivate"), bobPublic, s1));
        Assert.True(X25519.TryComputeSharedSecret(dh.Hex("bobPrivate"), alicePublic, s2));
        Assert.Equal(dh.Hex("shared"), s1);
        Assert.Equal(s1, s2);
    }

    [Theory]
    [InlineData("lowOrder")]
    [InlineData("lowOrderTopBitSet")]
    public void SmallOrderPublicKeys_AreRefused_AndTheSecretIsZeroed(string list)
    {
        byte[] privateKey = Bytes.Pattern(32, 9);
        int count = 0;
        foreach (var point in Vectors.Json("x25519.json").GetProperty(list).EnumerateArray())
        {
            byte[] secret = Bytes.Pattern(32, 1);
            Assert.False(X25519.TryComputeSharedSecret(privateKey, Convert.FromHexString(point.GetString()!), secret));
            Assert.All(secret, b => Assert.Equal(0, b));
            count++;
        }

        Assert.Equal(7, count);
    }

    [Property(MaxTest = 50)]
    public Property DiffieHellman_Agrees_ForRandomKeys()
    {
        var key = Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 32).ToArbitrary();
        return Prop.ForAll(key, key, (entropyA, entropyB) =>
        {
            byte[] a = new byte[32], b = new byte[32], pubA = new byte[32], pubB = new byte[32], s1 = new byte[32], s2 = new byte[32];
            X25519.GeneratePrivateKey(entropyA, a);
            X25519.GeneratePrivateKey(entropyB, b);
            X25519.ComputePublicKey(a, pubA);
            X25519.ComputePublicKey(b, pubB);
            return X25519.TryComputeSharedSecret(a, pubB, s1)
                && X25519.TryComputeSharedSecret(b, pubA, s2)
                && s1.AsSpan().SequenceEqual(s2);
        });
    }

    [Fact]
    public void GeneratePrivateKey_Clamps()
    {
        byte[] ones = Enumerable.Repeat((byte)0xFF, 32).ToArray(), zeros = new byte[32], key = new byte[32];
        X25519.GeneratePrivateKey(ones, key);
        Assert.Equal(0xF8, key[0]);
        Assert.Equal(0x7F, key[31]);
        X25519.GeneratePrivateKey(zeros, key);
        Assert.Equal(0x00, key[0]);
        Assert.Equal(0x40, key[31]);
    }

    [Fact]
    public void WrongSizes_Throw()
    {
        Assert.Throws<ArgumentException>(() => X25519.ComputePublicKey(new byte[31], new byte[32]));
        Assert.Throws<ArgumentException>(() => X25519.TryComputeSharedSecret(new byte[32], new byte[33], new byte[32]));
        Assert.Throws<ArgumentException>(() => X25519.GeneratePrivateKey(new byte[16], new byte[32]));
    }
}
