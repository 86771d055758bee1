using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Crypto;

/// <summary>
/// Poly1305 as the AEAD uses it (every part zero-padded to 16 bytes, each block with its 2^128 bit), scalar,
/// four blocks at a time and (where the CPU has AVX-512) eight, against the RFC 8439 vectors and against a
/// slow oracle in <see cref="BigInteger"/> arithmetic.
/// </summary>
public sealed class Poly1305Tests
{
    private static readonly BigInteger s_prime = (BigInteger.One << 130) - 5;

    // r's clamp (RFC 8439 section 2.5): the top four bits of bytes 3, 7, 11, 15 and the bottom two of 4, 8, 12 cleared.
    private static readonly BigInteger s_clamp = new(Convert.FromHexString("ffffff0ffcffff0ffcffff0ffcffff0f"), isUnsigned: true);

    [Fact]
    public void Rfc8439_KnownAnswers_IncludingTheReductionEdgeCases()
    {
        foreach (var v in Vectors.Json("poly1305.json").EnumerateArray())
        {
            Assert.Equal(v.Hex("tag"), Mac(v.Hex("key"), v.Hex("message")));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryBlockCountTo160_WithTheLargestKeyAndAllOnesData_EqualsTheOracle(bool vector512)
    {
        // All-ones data and the largest clamped r keep every limb at its maximum: the carries the
        // partial reductions must get right, on both sides of the vector thresholds and every remainder of 4 and 8.
        RequireVector512(vector512);
        byte[] key = Enumerable.Repeat((byte)0xFF, 32).ToArray();
        for (int blocks = 0; blocks <= 160; blocks++)
        {
            byte[] message = Enumerable.Repeat((byte)0xFF, blocks * 16).ToArray();
            Assert.Equal(Oracle(key, message), Mac(key, message, vector512));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ValuesNearThePrime_EqualTheOracle(bool vector512)
    {
        // Blocks that put h at or just past 2^130 - 5 before the last multiply, with r = 1 so nothing hides it.
        RequireVector512(vector512);
        byte[] key = new byte[32];
        key[0] = 1;
        for (int blocks = 16; blocks <= 48; blocks++)
        {
            byte[] message = new byte[blocks * 16];
            for (int i = 0; i < message.Length; i += 16)
            {
                message.AsSpan(i, 16).Fill(0xFF);
                message[i] = (byte)(0xFA + (i / 16 % 6));
            }

            Assert.Equal(Oracle(key, message), Mac(key, message, vector512));
        }
    }

    [Property(MaxTest = 400)]
    public Property RandomKeysAndMessages_EqualTheOracle() => RandomKeysAndMessagesEqualTheOracle(vector512: false);

    [Property(MaxTest = 400)]
    public Property RandomKeysAndMessages_EqualTheOracle_EightLanes() => RandomKeysAndMessagesEqualTheOracle(vector512: true);

    [Fact]
    public void PackingTheLaneSums_StaysCongruent_WhenTheLastCarryLeavesLimbOneAtTwoTo26()
    {
        // l4 past 2^26 folds 5 into l0 = 2^26 - 5, whose carry takes l1 from 2^26 - 1 to 2^26 while l2 is odd:
        // an OR of the limbs into the first word would lose that carry.
        AssertPackCongruent([(1UL << 26) - 5, (1UL << 26) - 1, 1, 0, 1UL << 26]);
        AssertPackCongruent([(1UL << 26) - 1, (1UL << 26) - 1, (1UL << 26) - 1, (1UL << 26) - 1, (1UL << 40) - 1]);
    }

    [Property(MaxTest = 2000)]
    public Property PackingAnyLaneSums_StaysCongruent()
    {
        // Limbs near the 26-bit boundaries as often as anywhere: where the carries are.
        Gen<ulong> limb = Gen.OneOf(
            Gen.Choose(0, int.MaxValue).Select(v => (ulong)v << 9),
            Gen.Choose(-64, 64).Select(d => (ulong)((1L << 26) + d)),
            Gen.Choose(-64, 64).Select(d => (ulong)((1L << 27) + d)),
            Gen.Choose(0, 64).Select(d => (1UL << 40) - (ulong)d));
        var gen =
            from l0 in limb
            from l1 in limb
            from l2 in limb
            from l3 in limb
            from l4 in limb
            select new[] { l0, l1, l2, l3, l4 };
        return Prop.ForAll(gen.ToArbitrary(), limbs =>
        {
            AssertPackCongruent(limbs);
            return true;
        });
    }

    private static void AssertPackCongruent(ulong[] limbs)
    {
        Poly1305.Pack(limbs[0], limbs[1], limbs[2], limbs[3], limbs[4], out ulong h0, out ulong h1, out ulong h2);
        BigInteger expected = 0;
        for (int i = 4; i >= 0; i--)
        {
            expected = (expected << 26) + limbs[i];
        }

        BigInteger packed = h0 + ((BigInteger)h1 << 64) + ((BigInteger)h2 << 128);
        Assert.True(h2 <= 4, $"h2 = {h2}");
        Assert.Equal(expected % s_prime, packed % s_prime);
    }

    private static Property RandomKeysAndMessagesEqualTheOracle(bool vector512)
    {
        RequireVector512(vector512);
        var gen =
            from blocks in Gen.Choose(0, 400)
            from tail in Gen.Choose(0, 15)
            from keyFill in Gen.Elements(0, 1, 2)
            from dataFill in Gen.Elements(0, 1, 2)
            from seed in ArbMap.Default.GeneratorFor<int>()
            select (length: (blocks * 16) + tail, keyFill, dataFill, seed);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            byte[] key = Fill(32, c.keyFill, c.seed);
            byte[] message = Fill(c.length, c.dataFill, c.seed + 1);
            return Oracle(key, message).AsSpan().SequenceEqual(Mac(key, message, vector512));
        });
    }

    [Fact]
    public void AbsorbingInParts_EqualsAbsorbingAtOnce()
    {
        byte[] key = Bytes.Random(32, 11), message = Bytes.Random(100 * 16, 12);
        var mac = new Poly1305(key);
        mac.UpdatePadded(message.AsSpan(0, 3 * 16));
        mac.UpdatePadded(message.AsSpan(3 * 16, 40 * 16));
        mac.UpdatePadded(message.AsSpan(43 * 16));
        var tag = new byte[16];
        mac.Finish(tag);
        Assert.Equal(Oracle(key, message), tag);
    }

    private static void RequireVector512(bool vector512)
    {
        if (vector512 && !Poly1305.IsVector512Supported)
        {
            Assert.Skip("This CPU has no AVX-512.");
        }
    }

    private static byte[] Mac(byte[] key, byte[] message, bool vector512 = false)
    {
        var mac = new Poly1305(key);
        mac.UpdatePadded(message, vector512);
        var tag = new byte[16];
        mac.Finish(tag);
        return tag;
    }

    /// <summary>0: random bytes; 1: all 0xFF; 2: random bytes with most set to 0xFF.</summary>
    private static byte[] Fill(int length, int kind, int seed)
    {
        byte[] bytes = Bytes.Random(length, seed);
        if (kind == 1)
        {
            bytes.AsSpan().Fill(0xFF);
        }
        else if (kind == 2)
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = bytes[i] < 200 ? (byte)0xFF : bytes[i];
            }
        }

        return bytes;
    }

    /// <summary>RFC 8439 section 2.5.1 in plain integer arithmetic, with every block (the last zero-padded) carrying 2^128.</summary>
    private static byte[] Oracle(byte[] key, byte[] message)
    {
        var r = new BigInteger(key.AsSpan(0, 16), isUnsigned: true) & s_clamp;
        var s = new BigInteger(key.AsSpan(16, 16), isUnsigned: true);
        BigInteger h = 0;
        for (int i = 0; i < message.Length; i += 16)
        {
            var block = new byte[17];
            message.AsSpan(i, Math.Min(16, message.Length - i)).CopyTo(block);
            block[16] = 1;
            h = (h + new BigInteger(block, isUnsigned: true)) * r % s_prime;
        }

        byte[] tag = new byte[16];
        ((h + s) & ((BigInteger.One << 128) - 1)).TryWriteBytes(tag, out _, isUnsigned: true);
        return tag;
    }
}
