using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Crypto;

/// <summary>
/// Poly1305 as the AEAD uses it (every part zero-padded to 16 bytes, each block with its 2^128 bit), scalar
/// and four blocks at a time, against the RFC 8439 vectors and against a slow oracle in
/// <see cref="BigInteger"/> arithmetic.
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

    [Fact]
    public void EveryBlockCountTo80_WithTheLargestKeyAndAllOnesData_EqualsTheOracle()
    {
        // All-ones data and the largest clamped r keep every limb at its maximum: the carries the
        // partial reductions must get right, on both sides of the vector threshold and every remainder of 4.
        byte[] key = Enumerable.Repeat((byte)0xFF, 32).ToArray();
        for (int blocks = 0; blocks <= 80; blocks++)
        {
            byte[] message = Enumerable.Repeat((byte)0xFF, blocks * 16).ToArray();
            Assert.Equal(Oracle(key, message), Mac(key, message));
        }
    }

    [Fact]
    public void ValuesNearThePrime_EqualTheOracle()
    {
        // Blocks that put h at or just past 2^130 - 5 before the last multiply, with r = 1 so nothing hides it.
        byte[] key = new byte[32];
        key[0] = 1;
        for (int blocks = 16; blocks <= 24; blocks++)
        {
            byte[] message = new byte[blocks * 16];
            for (int i = 0; i < message.Length; i += 16)
            {
                message.AsSpan(i, 16).Fill(0xFF);
                message[i] = (byte)(0xFA + (i / 16 % 6));
            }

            Assert.Equal(Oracle(key, message), Mac(key, message));
        }
    }

    [Property(MaxTest = 400)]
    public Property RandomKeysAndMessages_EqualTheOracle()
    {
        var gen =
            from blocks in Gen.Choose(0, 200)
            from tail in Gen.Choose(0, 15)
            from keyFill in Gen.Elements(0, 1, 2)
            from dataFill in Gen.Elements(0, 1, 2)
            from seed in ArbMap.Default.GeneratorFor<int>()
            select (length: (blocks * 16) + tail, keyFill, dataFill, seed);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            byte[] key = Fill(32, c.keyFill, c.seed);
            byte[] message = Fill(c.length, c.dataFill, c.seed + 1);
            return Oracle(key, message).AsSpan().SequenceEqual(Mac(key, message));
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

    private static byte[] Mac(byte[] key, byte[] message)
    {
        var mac = new Poly1305(key);
        mac.UpdatePadded(message);
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
