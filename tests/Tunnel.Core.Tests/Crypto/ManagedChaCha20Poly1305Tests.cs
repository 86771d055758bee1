using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Crypto;

/// <summary>
/// The managed SIMD ChaCha20-Poly1305 against the RFC 8439 vectors and, byte for byte, against libsodium, on
/// each wide path (<see cref="Steps"/>) the CPU can run, whichever the process has chosen.
/// </summary>
public sealed class ManagedChaCha20Poly1305Tests
{
    /// <summary>The wide key-stream generator a test runs long messages on.</summary>
    public enum Steps
    {
        /// <summary>Eight blocks per step (<see cref="ChaCha20Avx2Wide"/>).</summary>
        Avx2,

        /// <summary>Sixteen blocks per step (<see cref="ChaCha20Avx512"/>), eight with AVX-512VL for the last part.</summary>
        Avx512,

        /// <summary>Eight blocks per step with AVX-512VL (<see cref="ChaCha20Avx512Vl"/>).</summary>
        Avx512Vl,

        /// <summary>Thirty-two blocks per step (<see cref="ChaCha20Avx512Wide"/>), sixteen or eight for the last part.</summary>
        Avx512Wide,
    }

    [Theory]
    [InlineData(Steps.Avx2)]
    [InlineData(Steps.Avx512)]
    [InlineData(Steps.Avx512Vl)]
    [InlineData(Steps.Avx512Wide)]
    public void Rfc8439_KnownAnswers(Steps steps)
    {
        Require(steps);
        foreach (var v in Vectors.Json("chacha20poly1305.json").EnumerateArray())
        {
            byte[] key = v.Hex("key"), nonce = v.Hex("nonce"), aad = v.Hex("aad"), plaintext = v.Hex("plaintext");
            var ciphertext = new byte[plaintext.Length];
            var tag = new byte[16];
            Seal(steps, key, nonce, plaintext, ciphertext, tag, aad);
            Assert.Equal(v.Hex("ciphertext"), ciphertext);
            Assert.Equal(v.Hex("tag"), tag);

            var opened = new byte[plaintext.Length];
            Assert.True(TryOpen(steps, key, nonce, ciphertext, tag, opened, aad));
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
    public void ThePublicApi_RunsTheManagedImplementationWhereTheCpuHasAvx2_AndItsAvx512PathWhereItHasThat()
    {
        Assert.Equal(
            !ManagedChaCha20Poly1305.IsSupported ? AeadImplementation.Libsodium
            : ChaCha20Avx512.IsSupported ? AeadImplementation.ManagedAvx512
            : AeadImplementation.ManagedAvx2,
            ChaCha20Poly1305.Implementation);
        Assert.Equal(ChaCha20Poly1305.Implementation, AeadBackend.Current);
    }

    [Fact]
    public void TheAvx512Switch_KeepsAvx2()
    {
        _ = ChaCha20Poly1305.Implementation;
        try
        {
            AppContext.SetSwitch(AeadBackend.DisableAvx512Switch, true);
            Assert.False(ManagedChaCha20Poly1305.SelectsAvx512());
        }
        finally
        {
            AppContext.SetSwitch(AeadBackend.DisableAvx512Switch, false);
        }

        Assert.Equal(ManagedChaCha20Poly1305.IsSupported && ChaCha20Avx512.IsSupported, ManagedChaCha20Poly1305.SelectsAvx512());
    }

    [Fact]
    public void TheProcessChoice_TakesWiderStepsOnlyFromTheirThresholds_AndEqualsEveryPath()
    {
        RequireAvx2();
        byte[] key = Bytes.Random(32, 21), nonce = Bytes.Random(12, 22);
        int sixteen = ManagedChaCha20Poly1305.Avx512Threshold, thirtyTwo = ManagedChaCha20Poly1305.Avx512WideThreshold;
        foreach (int size in new[] { sixteen - 1, sixteen, thirtyTwo - 1, thirtyTwo, 1420, 9000 })
        {
            byte[] plaintext = Bytes.Random(size, size);
            var chosen = new byte[size + 16];
            ManagedChaCha20Poly1305.Seal(key, nonce, plaintext, chosen.AsSpan(0, size), chosen.AsSpan(size), []);
            var eight = new byte[size + 16];
            ManagedChaCha20Poly1305.Seal<ChaCha20Avx2Wide>(key, nonce, plaintext, eight.AsSpan(0, size), eight.AsSpan(size), []);
            Assert.Equal(eight, chosen);
            if (ChaCha20Avx512.IsSupported)
            {
                var wide = new byte[size + 16];
                ManagedChaCha20Poly1305.Seal<ChaCha20Avx512>(key, nonce, plaintext, wide.AsSpan(0, size), wide.AsSpan(size), []);
                Assert.Equal(eight, wide);
                ManagedChaCha20Poly1305.Seal<ChaCha20Avx512Vl>(key, nonce, plaintext, wide.AsSpan(0, size), wide.AsSpan(size), []);
                Assert.Equal(eight, wide);
                ManagedChaCha20Poly1305.Seal<ChaCha20Avx512Wide>(key, nonce, plaintext, wide.AsSpan(0, size), wide.AsSpan(size), []);
                Assert.Equal(eight, wide);
            }
        }
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

    [Theory]
    [InlineData(Steps.Avx2)]
    [InlineData(Steps.Avx512)]
    [InlineData(Steps.Avx512Vl)]
    [InlineData(Steps.Avx512Wide)]
    public void EverySizeUpToTwoMtus_EqualsLibsodium_InPlaceAndOutOfPlace(Steps steps)
    {
        Require(steps);
        byte[] key = Bytes.Pattern(32, 3), aad = Bytes.Pattern(5, 4);
        for (int size = 0; size <= 3000; size++)
        {
            AssertEqualsLibsodium(steps, key, (ulong)size * 7919, Bytes.Pattern(size, size), aad, offset: size % 5, inPlace: size % 2 == 0);
        }
    }

    [Theory]
    [InlineData(Steps.Avx2)]
    [InlineData(Steps.Avx512)]
    [InlineData(Steps.Avx512Vl)]
    [InlineData(Steps.Avx512Wide)]
    public void EverySizeTo65535_EqualsLibsodium_AtShiftingOffsets_InPlaceAndOutOfPlace(Steps steps)
    {
        Require(steps);
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

            Seal(steps, key, nonce, inPlace ? region : plaintext, region, tag, aad);
            if (!buffer.AsSpan(offset, size + 16).SequenceEqual(expected.AsSpan(0, size + 16)))
            {
                Assert.Fail($"The seal differs from libsodium's at {size} bytes (offset {offset}, in place {inPlace}).");
            }

            if (!TryOpen(steps, key, nonce, region, tag, region, aad) || !region.SequenceEqual(plaintext))
            {
                Assert.Fail($"The open fails or differs at {size} bytes (offset {offset}).");
            }
        }
    }

    [Property(MaxTest = 300)]
    public Property RandomSizesUpTo65535_AtAnyOffset_EqualLibsodium() => RandomSizesEqualLibsodium(Steps.Avx2);

    [Property(MaxTest = 300)]
    public Property RandomSizesUpTo65535_AtAnyOffset_EqualLibsodium_Avx512() => RandomSizesEqualLibsodium(Steps.Avx512);

    [Property(MaxTest = 300)]
    public Property RandomSizesUpTo65535_AtAnyOffset_EqualLibsodium_Avx512Vl() => RandomSizesEqualLibsodium(Steps.Avx512Vl);

    [Property(MaxTest = 300)]
    public Property RandomSizesUpTo65535_AtAnyOffset_EqualLibsodium_Avx512Wide() => RandomSizesEqualLibsodium(Steps.Avx512Wide);

    [Property(MaxTest = 300)]
    public Property AFlippedBit_FailsTheOpen_AndWritesNothing() => AFlippedBitFails(Steps.Avx2);

    [Property(MaxTest = 300)]
    public Property AFlippedBit_FailsTheOpen_AndWritesNothing_Avx512() => AFlippedBitFails(Steps.Avx512);

    [Property(MaxTest = 300)]
    public Property AFlippedBit_FailsTheOpen_AndWritesNothing_Avx512Vl() => AFlippedBitFails(Steps.Avx512Vl);

    [Property(MaxTest = 300)]
    public Property AFlippedBit_FailsTheOpen_AndWritesNothing_Avx512Wide() => AFlippedBitFails(Steps.Avx512Wide);

    private static Property RandomSizesEqualLibsodium(Steps steps)
    {
        Require(steps);
        var gen =
            from size in Gen.Choose(0, 65535)
            from offset in Gen.Choose(0, 63)
            from inPlace in ArbMap.Default.GeneratorFor<bool>()
            from counter in ArbMap.Default.GeneratorFor<ulong>()
            from seed in ArbMap.Default.GeneratorFor<int>()
            select (size, offset, inPlace, counter, seed);
        return Prop.ForAll(gen.ToArbitrary(), c =>
            AssertEqualsLibsodium(steps, Bytes.Random(32, c.seed), c.counter, Bytes.Random(c.size, c.seed + 1), Bytes.Random(c.seed & 63, c.seed + 2), c.offset, c.inPlace));
    }

    private static Property AFlippedBitFails(Steps steps)
    {
        Require(steps);
        var gen =
            from size in Gen.Choose(0, 3000)
            from bit in Gen.Choose(0, ((size + 16) * 8) - 1)
            select (size, bit);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            byte[] key = Bytes.Pattern(32, 1), nonce = new byte[12], plaintext = Bytes.Pattern(c.size, 3);
            var ciphertext = new byte[c.size];
            var tag = new byte[16];
            Seal(steps, key, nonce, plaintext, ciphertext, tag, []);
            if (c.bit / 8 < c.size)
            {
                ciphertext[c.bit / 8] ^= (byte)(1 << (c.bit % 8));
            }
            else
            {
                tag[(c.bit / 8) - c.size] ^= (byte)(1 << (c.bit % 8));
            }

            byte[] destination = Enumerable.Repeat((byte)0xA5, c.size).ToArray();
            return !TryOpen(steps, key, nonce, ciphertext, tag, destination, []) && destination.All(b => b == 0xA5);
        });
    }

    private static void AssertEqualsLibsodium(Steps steps, byte[] key, ulong counter, byte[] plaintext, byte[] aad, int offset, bool inPlace)
    {
        var nonce = new byte[12];
        ChaCha20Poly1305.WriteNonce(counter, nonce);
        var expected = new byte[plaintext.Length + 16];
        SodiumAead.Encrypt(extendedNonce: false, key, nonce, plaintext, expected, aad);

        var buffer = new byte[offset + plaintext.Length + 16];
        plaintext.CopyTo(buffer, offset);
        Span<byte> region = buffer.AsSpan(offset, plaintext.Length);
        ReadOnlySpan<byte> source = inPlace ? region : plaintext;
        Seal(steps, key, nonce, source, region, buffer.AsSpan(offset + plaintext.Length, 16), aad);
        Assert.Equal(expected, buffer.AsSpan(offset).ToArray());

        Span<byte> opened = inPlace ? region : new byte[plaintext.Length];
        Assert.True(TryOpen(steps, key, nonce, region, buffer.AsSpan(offset + plaintext.Length, 16), opened, aad));
        Assert.Equal(plaintext, opened.ToArray());
    }

    private static void Seal(Steps steps, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> aad)
    {
        if (steps == Steps.Avx512)
        {
            ManagedChaCha20Poly1305.Seal<ChaCha20Avx512>(key, nonce, plaintext, ciphertext, tag, aad);
        }
        else if (steps == Steps.Avx512Vl)
        {
            ManagedChaCha20Poly1305.Seal<ChaCha20Avx512Vl>(key, nonce, plaintext, ciphertext, tag, aad);
        }
        else if (steps == Steps.Avx512Wide)
        {
            ManagedChaCha20Poly1305.Seal<ChaCha20Avx512Wide>(key, nonce, plaintext, ciphertext, tag, aad);
        }
        else
        {
            ManagedChaCha20Poly1305.Seal<ChaCha20Avx2Wide>(key, nonce, plaintext, ciphertext, tag, aad);
        }
    }

    private static bool TryOpen(Steps steps, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> aad) =>
        steps switch
        {
            Steps.Avx512 => ManagedChaCha20Poly1305.TryOpen<ChaCha20Avx512>(key, nonce, ciphertext, tag, plaintext, aad),
            Steps.Avx512Vl => ManagedChaCha20Poly1305.TryOpen<ChaCha20Avx512Vl>(key, nonce, ciphertext, tag, plaintext, aad),
            Steps.Avx512Wide => ManagedChaCha20Poly1305.TryOpen<ChaCha20Avx512Wide>(key, nonce, ciphertext, tag, plaintext, aad),
            _ => ManagedChaCha20Poly1305.TryOpen<ChaCha20Avx2Wide>(key, nonce, ciphertext, tag, plaintext, aad),
        };

    private static void Require(Steps steps)
    {
        RequireAvx2();
        if (steps != Steps.Avx2 && !(ChaCha20Avx512.IsSupported && ChaCha20Avx512Vl.IsSupported))
        {
            Assert.Skip("This CPU has no AVX-512.");
        }
    }

    private static void RequireAvx2()
    {
        if (!ManagedChaCha20Poly1305.IsSupported)
        {
            Assert.Skip("The managed ChaCha20-Poly1305 needs AVX2.");
        }
    }
}
