using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Crypto;

/// <summary>The managed SIMD ChaCha20-Poly1305 against the RFC 8439 vectors and, byte for byte, against libsodium.</summary>
public sealed class ManagedChaCha20Poly1305Tests
{
    [Fact]
    public void Rfc8439_KnownAnswers()
    {
        RequireAvx2();
        foreach (var v in Vectors.Json("chacha20poly1305.json").EnumerateArray())
        {
            byte[] key = v.Hex("key"), nonce = v.Hex("nonce"), aad = v.Hex("aad"), plaintext = v.Hex("plaintext");
            var ciphertext = new byte[plaintext.Length];
            var tag = new byte[16];
            ManagedChaCha20Poly1305.Seal(key, nonce, plaintext, ciphertext, tag, aad);
            Assert.Equal(v.Hex("ciphertext"), ciphertext);
            Assert.Equal(v.Hex("tag"), tag);

            var opened = new byte[plaintext.Length];
            Assert.True(ManagedChaCha20Poly1305.TryOpen(key, nonce, ciphertext, tag, opened, aad));
            Assert.Equal(plaintext, opened);

            // The oracle of the other tests, on the same vectors.
            var viaLibsodium = new byte[plaintext.Length + 16];
            SodiumAead.Encrypt(extendedNonce: false, key, nonce, plaintext, viaLibsodium, aad);
            Assert.Equal([.. ciphertext, .. tag], viaLibsodium);
            Assert.True(SodiumAead.TryDecrypt(extendedNonce: false, key, nonce, viaLibsodium, opened, aad));
            Assert.Equal(plaintext, opened);
        }
    }

    [Fact]
    public void ThePublicApi_RunsTheManagedImplementationWhereTheCpuHasAvx2()
    {
        Assert.Equal(
            ManagedChaCha20Poly1305.IsSupported ? AeadImplementation.ManagedAvx2 : AeadImplementation.Libsodium,
            ChaCha20Poly1305.Implementation);
    }

    [Fact]
    public void TheSwitch_KeepsLibsodium()
    {
        _ = ChaCha20Poly1305.Implementation; // chosen before the switch changes, so other tests keep their choice
        try
        {
            AppContext.SetSwitch(ChaCha20Poly1305.DisableManagedImplementationSwitch, true);
            Assert.False(ChaCha20Poly1305.SelectsManaged());
        }
        finally
        {
            AppContext.SetSwitch(ChaCha20Poly1305.DisableManagedImplementationSwitch, false);
        }

        Assert.Equal(ManagedChaCha20Poly1305.IsSupported, ChaCha20Poly1305.SelectsManaged());
    }

    [Fact]
    public void EverySizeUpToTwoMtus_EqualsLibsodium_InPlaceAndOutOfPlace()
    {
        RequireAvx2();
        byte[] key = Bytes.Pattern(32, 3), aad = Bytes.Pattern(5, 4);
        for (int size = 0; size <= 3000; size++)
        {
            AssertEqualsLibsodium(key, (ulong)size * 7919, Bytes.Pattern(size, size), aad, offset: size % 5, inPlace: size % 2 == 0);
        }
    }

    [Fact]
    public void EverySizeTo65535_EqualsLibsodium_AtShiftingOffsets_InPlaceAndOutOfPlace()
    {
        RequireAvx2();
        const int Largest = 65535;
        byte[] key = Bytes.Random(32, 5), aad = Bytes.Pattern(3, 9), source = Bytes.Random(Largest, 6);
        var expected = new byte[Largest + 16];
        var buffer = new byte[64 + Largest + 16];
        var nonce = new byte[12];
        for (int size = 0; size <= Largest; size++)
        {
            ChaCha20Poly1305.WriteNonce((ulong)size, nonce);
            ReadOnlySpan<byte> plaintext = source.AsSpan(0, size);
            SodiumAead.Encrypt(extendedNonce: false, key, nonce, plaintext, expected, aad);

            int offset = size % 64;
            Span<byte> region = buffer.AsSpan(offset, size), tag = buffer.AsSpan(offset + size, 16);
            bool inPlace = size % 2 == 0;
            if (inPlace)
            {
                plaintext.CopyTo(region);
            }

            ManagedChaCha20Poly1305.Seal(key, nonce, inPlace ? region : plaintext, region, tag, aad);
            if (!buffer.AsSpan(offset, size + 16).SequenceEqual(expected.AsSpan(0, size + 16)))
            {
                Assert.Fail($"The seal differs from libsodium's at {size} bytes (offset {offset}, in place {inPlace}).");
            }

            if (!ManagedChaCha20Poly1305.TryOpen(key, nonce, region, tag, region, aad) || !region.SequenceEqual(plaintext))
            {
                Assert.Fail($"The open fails or differs at {size} bytes (offset {offset}).");
            }
        }
    }

    [Property(MaxTest = 300)]
    public Property RandomSizesUpTo65535_AtAnyOffset_EqualLibsodium()
    {
        RequireAvx2();
        var gen =
            from size in Gen.Choose(0, 65535)
            from offset in Gen.Choose(0, 63)
            from inPlace in ArbMap.Default.GeneratorFor<bool>()
            from counter in ArbMap.Default.GeneratorFor<ulong>()
            from seed in ArbMap.Default.GeneratorFor<int>()
            select (size, offset, inPlace, counter, seed);
        return Prop.ForAll(gen.ToArbitrary(), c =>
            AssertEqualsLibsodium(Bytes.Random(32, c.seed), c.counter, Bytes.Random(c.size, c.seed + 1), Bytes.Random(c.seed & 63, c.seed + 2), c.offset, c.inPlace));
    }

    [Property(MaxTest = 300)]
    public Property AFlippedBit_FailsTheOpen_AndWritesNothing()
    {
        RequireAvx2();
        var gen =
            from size in Gen.Choose(0, 1500)
            from bit in Gen.Choose(0, ((size + 16) * 8) - 1)
            select (size, bit);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            byte[] key = Bytes.Pattern(32, 1), nonce = new byte[12], plaintext = Bytes.Pattern(c.size, 3);
            var ciphertext = new byte[c.size];
            var tag = new byte[16];
            ManagedChaCha20Poly1305.Seal(key, nonce, plaintext, ciphertext, tag, []);
            if (c.bit / 8 < c.size)
            {
                ciphertext[c.bit / 8] ^= (byte)(1 << (c.bit % 8));
            }
            else
            {
                tag[(c.bit / 8) - c.size] ^= (byte)(1 << (c.bit % 8));
            }

            byte[] destination = Enumerable.Repeat((byte)0xA5, c.size).ToArray();
            return !ManagedChaCha20Poly1305.TryOpen(key, nonce, ciphertext, tag, destination, []) && destination.All(b => b == 0xA5);
        });
    }

    private static void AssertEqualsLibsodium(byte[] key, ulong counter, byte[] plaintext, byte[] aad, int offset, bool inPlace)
    {
        var nonce = new byte[12];
        ChaCha20Poly1305.WriteNonce(counter, nonce);
        var expected = new byte[plaintext.Length + 16];
        SodiumAead.Encrypt(extendedNonce: false, key, nonce, plaintext, expected, aad);

        var buffer = new byte[offset + plaintext.Length + 16];
        plaintext.CopyTo(buffer, offset);
        Span<byte> region = buffer.AsSpan(offset, plaintext.Length);
        ReadOnlySpan<byte> source = inPlace ? region : plaintext;
        ManagedChaCha20Poly1305.Seal(key, nonce, source, region, buffer.AsSpan(offset + plaintext.Length, 16), aad);
        Assert.Equal(expected, buffer.AsSpan(offset).ToArray());

        Span<byte> opened = inPlace ? region : new byte[plaintext.Length];
        Assert.True(ManagedChaCha20Poly1305.TryOpen(key, nonce, region, buffer.AsSpan(offset + plaintext.Length, 16), opened, aad));
        Assert.Equal(plaintext, opened.ToArray());
    }

    private static void RequireAvx2()
    {
        if (!ManagedChaCha20Poly1305.IsSupported)
        {
            Assert.Skip("The managed ChaCha20-Poly1305 needs AVX2.");
        }
    }
}
