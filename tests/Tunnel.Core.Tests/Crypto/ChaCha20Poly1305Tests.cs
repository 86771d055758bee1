using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto;
using Tunnel.Core.Tests.Support;
using Reference = System.Security.Cryptography.ChaCha20Poly1305;

namespace Tunnel.Core.Tests.Crypto;

public sealed class ChaCha20Poly1305Tests
{
    [Fact]
    public void Rfc8439_KnownAnswers_EncryptAndDecrypt()
    {
        int count = 0;
        foreach (var v in Vectors.Json("chacha20poly1305.json").EnumerateArray())
        {
            byte[] key = v.Hex("key"), nonce = v.Hex("nonce"), aad = v.Hex("aad"), plaintext = v.Hex("plaintext");
            byte[] expected = [.. v.Hex("ciphertext"), .. v.Hex("tag")];

            var sealedBytes = new byte[plaintext.Length + 16];
            Assert.Equal(sealedBytes.Length, ChaCha20Poly1305.Encrypt(key, nonce, plaintext, sealedBytes, aad));
            Assert.Equal(expected, sealedBytes);

            var opened = new byte[plaintext.Length];
            Assert.True(ChaCha20Poly1305.TryDecrypt(key, nonce, expected, opened, aad));
            Assert.Equal(plaintext, opened);
            count++;
        }

        Assert.Equal(2, count);
    }

    [Fact]
    public void WireGuardNonce_IsFourZeroBytesThenTheLittleEndianCounter()
    {
        Span<byte> nonce = stackalloc byte[12];
        ChaCha20Poly1305.WriteNonce(0x0102030405060708, nonce);
        Assert.Equal("000000000807060504030201", Convert.ToHexStringLower(nonce));

        byte[] key = Bytes.Pattern(32), plaintext = Bytes.Pattern(100, 1);
        byte[] viaCounter = new byte[116], viaNonce = new byte[116];
        ChaCha20Poly1305.Encrypt(key, 0x0102030405060708, plaintext, viaCounter, []);
        ChaCha20Poly1305.Encrypt(key, nonce, plaintext, viaNonce, []);
        Assert.Equal(viaNonce, viaCounter);
    }

    [Fact]
    public void RoundTrip_InPlaceAndOutOfPlace_ForEverySizeUpToTwoMtus()
    {
        byte[] key = Bytes.Pattern(32, 7), aad = Bytes.Pattern(13, 8);
        var buffer = new byte[3000 + 16 + 3];
        for (int size = 0; size <= 3000; size++)
        {
            byte[] plaintext = Bytes.Pattern(size, size);
            AssertRoundTrip(key, (ulong)size, plaintext, aad, buffer, offset: size % 4);
        }
    }

    [Property(MaxTest = 200)]
    public Property RoundTrip_ForRandomSizesUpTo65535_AtAnyOffset()
    {
        var gen =
            from size in Gen.Choose(0, 65535)
            from offset in Gen.Choose(0, 64)
            from counter in ArbMap.Default.GeneratorFor<ulong>()
            from seed in ArbMap.Default.GeneratorFor<int>()
            select (size, offset, counter, seed);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            byte[] key = Bytes.Random(32, c.seed), aad = Bytes.Random(c.seed & 63, c.seed + 1);
            byte[] plaintext = Bytes.Random(c.size, c.seed + 2);
            AssertRoundTrip(key, c.counter, plaintext, aad, new byte[c.offset + c.size + 16], c.offset);
        });
    }

    [Property(MaxTest = 200)]
    public Property EqualsTheFrameworksIndependentImplementation()
    {
        var gen =
            from size in Gen.OneOf(Gen.Choose(0, 256), Gen.Choose(0, 9000))
            from counter in ArbMap.Default.GeneratorFor<ulong>()
            from seed in ArbMap.Default.GeneratorFor<int>()
            select (size, counter, seed);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            byte[] key = Bytes.Random(32, c.seed), aad = Bytes.Random(c.seed & 31, c.seed + 1), plaintext = Bytes.Random(c.size, c.seed + 2);
            var nonce = new byte[12];
            ChaCha20Poly1305.WriteNonce(c.counter, nonce);

            byte[] expectedCiphertext = new byte[c.size], expectedTag = new byte[16];
            using (var reference = new Reference(key))
            {
                reference.Encrypt(nonce, plaintext, expectedCiphertext, expectedTag, aad);
            }

            var actual = new byte[c.size + 16];
            ChaCha20Poly1305.Encrypt(key, c.counter, plaintext, actual, aad);
            return actual.AsSpan(0, c.size).SequenceEqual(expectedCiphertext) && actual.AsSpan(c.size).SequenceEqual(expectedTag);
        });
    }

    [Property(MaxTest = 300)]
    public Property OneFlippedBit_AnywhereInCiphertextTagOrAssociatedData_FailsAndZeroesTheDestination()
    {
        var gen =
            from size in Gen.Choose(0, 1500)
            from aadSize in Gen.Choose(0, 40)
            from bit in Gen.Choose(0, ((size + 16 + aadSize) * 8) - 1)
            select (size, aadSize, bit);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            byte[] key = Bytes.Pattern(32, 1), aad = Bytes.Pattern(c.aadSize, 2), plaintext = Bytes.Pattern(c.size, 3);
            var sealedBytes = new byte[c.size + 16];
            ChaCha20Poly1305.Encrypt(key, 42, plaintext, sealedBytes, aad);

            int byteIndex = c.bit / 8;
            byte mask = (byte)(1 << (c.bit % 8));
            if (byteIndex < sealedBytes.Length)
            {
                sealedBytes[byteIndex] ^= mask;
            }
            else
            {
                aad[byteIndex - sealedBytes.Length] ^= mask;
            }

            byte[] destination = Enumerable.Repeat((byte)0xA5, c.size + 1).ToArray();
            bool opened = ChaCha20Poly1305.TryDecrypt(key, 42, sealedBytes, destination, aad);
            return !opened && destination.AsSpan(0, c.size).IndexOfAnyExcept((byte)0) < 0 && destination[c.size] == 0xA5;
        });
    }

    [Fact]
    public void WrongKeyOrCounter_Fails_AndAFailedInPlaceDecryptReleasesNoPlaintext()
    {
        byte[] key = Bytes.Pattern(32, 1), plaintext = Bytes.Pattern(64, 2);
        var packet = new byte[80];
        ChaCha20Poly1305.Encrypt(key, 7, plaintext, packet, []);
        byte[] original = (byte[])packet.Clone();

        var destination = new byte[64];
        Assert.False(ChaCha20Poly1305.TryDecrypt(key, 8, packet, destination, []));
        Assert.Equal(original, packet);

        byte[] otherKey = (byte[])key.Clone();
        otherKey[31] ^= 0x80;
        Assert.False(ChaCha20Poly1305.TryDecrypt(otherKey, 7, packet, packet, []));
        Assert.Equal(new byte[64], packet[..64]);
        Assert.Equal(original[64..], packet[64..]);
    }

    [Fact]
    public void PartialOverlap_IsRejected()
    {
        var buffer = new byte[200];
        byte[] key = new byte[32];
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305.Encrypt(key, 0, buffer.AsSpan(0, 100), buffer.AsSpan(1, 116), []));
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305.TryDecrypt(key, 0, buffer.AsSpan(4, 116), buffer.AsSpan(0, 100), []));
    }

    [Fact]
    public void BadSizes_Throw()
    {
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305.Encrypt(new byte[31], 0, new byte[1], new byte[17], []));
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305.Encrypt(new byte[32], new byte[8], new byte[1], new byte[17], []));
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305.Encrypt(new byte[32], 0, new byte[1], new byte[16], []));
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305.TryDecrypt(new byte[32], 0, new byte[15], Array.Empty<byte>(), []));
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305.TryDecrypt(new byte[32], 0, new byte[20], new byte[3], []));
    }

    private static void AssertRoundTrip(byte[] key, ulong counter, byte[] plaintext, byte[] aad, byte[] buffer, int offset)
    {
        int sealedLength = plaintext.Length + 16;

        var outOfPlace = new byte[sealedLength];
        ChaCha20Poly1305.Encrypt(key, counter, plaintext, outOfPlace, aad);

        Span<byte> inPlace = buffer.AsSpan(offset, sealedLength);
        plaintext.CopyTo(inPlace);
        ChaCha20Poly1305.Encrypt(key, counter, inPlace[..plaintext.Length], inPlace, aad);
        Assert.True(inPlace.SequenceEqual(outOfPlace), $"in place differs at size {plaintext.Length}");

        Assert.True(ChaCha20Poly1305.TryDecrypt(key, counter, inPlace, inPlace[..plaintext.Length], aad));
        Assert.True(inPlace[..plaintext.Length].SequenceEqual(plaintext), $"in-place round trip differs at size {plaintext.Length}");

        var opened = new byte[plaintext.Length];
        Assert.True(ChaCha20Poly1305.TryDecrypt(key, counter, outOfPlace, opened, aad));
        Assert.Equal(plaintext, opened);
    }
}
