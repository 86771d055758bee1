using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// Poly1305 eight blocks at a time with AVX-512: the four-lane form of <c>Poly1305.Vector256.cs</c> in
/// 512-bit vectors, multiplying by r^8 per step. The steps are a chain (each multiply waits for the last
/// carry), so twice the lanes is twice the blocks per step at about the same latency. Constant-time: only
/// the number of blocks decides a branch.
/// </summary>
internal partial struct Poly1305
{
    /// <summary>The fewest blocks the eight-lane form takes (its set-up computes r^2 to r^8).</summary>
    private const int Vector512Threshold = 32;

    /// <summary>Whether this CPU can run the eight-lane form.</summary>
    public static bool IsVector512Supported => Avx512F.IsSupported;

    /// <summary>Absorbs whole 16-byte blocks; a final partial block is zero-padded. Long inputs take eight lanes where <paramref name="vector512"/> asks and the CPU can.</summary>
    /// <param name="data">The data.</param>
    /// <param name="vector512">Whether to run the eight-lane form on long inputs: the AEAD's AVX-512 paths do.</param>
    public void UpdatePadded(ReadOnlySpan<byte> data, bool vector512)
    {
        if (!vector512 || !IsVector512Supported || data.Length < Vector512Threshold * 16)
        {
            UpdatePadded(data);
            return;
        }

        int blocks = (data.Length >> 4) & ~7;
        BlocksVector512(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(data), blocks);
        UpdatePadded(data[(blocks << 4)..]);
    }

    [SkipLocalsInit]
    private void BlocksVector512(ref byte data, int count)
    {
        // Limb l of lane j at l * 8 + j: the powers of the last multiply, lane by lane, ready to load.
        Span<ulong> powers = stackalloc ulong[5 * 8];
        LanePowers(powers);

        // r^8 (lane 0's) in every lane for the steps.
        Vector512<ulong> r0 = Vector512.Create(powers[0]), r1 = Vector512.Create(powers[8]), r2 = Vector512.Create(powers[16]), r3 = Vector512.Create(powers[24]), r4 = Vector512.Create(powers[32]);
        Vector512<ulong> s1 = Times5(r1), s2 = Times5(r2), s3 = Times5(r3), s4 = Times5(r4);

        // The lanes hold blocks 0, 4, 1, 5, 2, 6, 3, 7 of each group (the order the unpacks leave them in), so
        // lane 0 starts with h, and the last multiply is by r^8, r^4, r^7, r^3, r^6, r^2, r^5, r^1.
        Load(ref data, out Vector512<ulong> h0, out Vector512<ulong> h1, out Vector512<ulong> h2, out Vector512<ulong> h3, out Vector512<ulong> h4);
        new Power { W0 = _h0, W1 = _h1, W2 = _h2 }.Limbs(out ulong l0, out ulong l1, out ulong l2, out ulong l3, out ulong l4);
        h0 += Vector512.CreateScalar(l0);
        h1 += Vector512.CreateScalar(l1);
        h2 += Vector512.CreateScalar(l2);
        h3 += Vector512.CreateScalar(l3);
        h4 += Vector512.CreateScalar(l4);

        for (int i = 8; i < count; i += 8)
        {
            MultiplyCarry(ref h0, ref h1, ref h2, ref h3, ref h4, r0, r1, r2, r3, r4, s1, s2, s3, s4);
            Load(ref Unsafe.Add(ref data, i << 4), out Vector512<ulong> m0, out Vector512<ulong> m1, out Vector512<ulong> m2, out Vector512<ulong> m3, out Vector512<ulong> m4);
            h0 += m0;
            h1 += m1;
            h2 += m2;
            h3 += m3;
            h4 += m4;
        }

        r0 = Vector512.Create<ulong>(powers[..8]);
        r1 = Vector512.Create<ulong>(powers.Slice(8, 8));
        r2 = Vector512.Create<ulong>(powers.Slice(16, 8));
        r3 = Vector512.Create<ulong>(powers.Slice(24, 8));
        r4 = Vector512.Create<ulong>(powers.Slice(32, 8));
        powers.Clear();
        MultiplyCarry(ref h0, ref h1, ref h2, ref h3, ref h4, r0, r1, r2, r3, r4, Times5(r1), Times5(r2), Times5(r3), Times5(r4));

        // Sum the lanes, carry the limbs to 26 bits, and repack into three words.
        Repack(Vector512.Sum(h0), Vector512.Sum(h1), Vector512.Sum(h2), Vector512.Sum(h3), Vector512.Sum(h4));
    }

    /// <summary>
    /// Writes the limbs of r, r^2, ..., r^8 (partially reduced, as <see cref="PowersOfR(out Power, out Power, out Power, out Power)"/>
    /// leaves them) to the lanes of the last multiply: r^8 to lane 0, r^4 to 1, r^7 to 2, r^3 to 3, r^6 to 4,
    /// r^2 to 5, r^5 to 6, r to 7; limb l of lane j at <c>l * 8 + j</c>.
    /// </summary>
    private readonly void LanePowers(Span<ulong> limbs)
    {
        ReadOnlySpan<byte> laneOfPower = [7, 5, 3, 1, 6, 4, 2, 0];
        ulong r0 = _r0, r1 = _r1, s1 = _s1;
        ulong h0 = r0, h1 = r1, h2 = 0;
        for (int i = 0; i < 8; i++)
        {
            if (i > 0)
            {
                MultiplyReduce(ref h0, ref h1, ref h2, r0, r1, s1);
            }

            new Power { W0 = h0, W1 = h1, W2 = h2 }.Limbs(out ulong l0, out ulong l1, out ulong l2, out ulong l3, out ulong l4);
            int lane = laneOfPower[i];
            limbs[lane] = l0;
            limbs[8 + lane] = l1;
            limbs[16 + lane] = l2;
            limbs[24 + lane] = l3;
            limbs[32 + lane] = l4;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Times5(Vector512<ulong> value) => Avx512F.ShiftLeftLogical(value, 2) + value;

    /// <summary>Splits eight 16-byte blocks into limbs (each with its 2^128 bit), lanes in the order 0, 4, 1, 5, 2, 6, 3, 7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Load(ref byte data, out Vector512<ulong> m0, out Vector512<ulong> m1, out Vector512<ulong> m2, out Vector512<ulong> m3, out Vector512<ulong> m4)
    {
        Vector512<ulong> first = Vector512.LoadUnsafe(ref data).AsUInt64();
        Vector512<ulong> second = Vector512.LoadUnsafe(ref Unsafe.Add(ref data, 64)).AsUInt64();
        Vector512<ulong> low = Avx512F.UnpackLow(first, second), high = Avx512F.UnpackHigh(first, second);
        Vector512<ulong> mask = Vector512.Create(Mask26);
        m0 = low & mask;
        m1 = Avx512F.ShiftRightLogical(low, 26) & mask;
        m2 = (Avx512F.ShiftRightLogical(low, 52) | Avx512F.ShiftLeftLogical(high, 12)) & mask;
        m3 = Avx512F.ShiftRightLogical(high, 14) & mask;
        m4 = Avx512F.ShiftRightLogical(high, 40) | Vector512.Create(1UL << 24);
    }

    /// <summary>h = h·r lane by lane, then one carry pass; as the four-lane form's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyCarry(
        ref Vector512<ulong> h0, ref Vector512<ulong> h1, ref Vector512<ulong> h2, ref Vector512<ulong> h3, ref Vector512<ulong> h4,
        Vector512<ulong> r0, Vector512<ulong> r1, Vector512<ulong> r2, Vector512<ulong> r3, Vector512<ulong> r4,
        Vector512<ulong> s1, Vector512<ulong> s2, Vector512<ulong> s3, Vector512<ulong> s4)
    {
        Vector512<ulong> d0 = Mul(h0, r0) + Mul(h1, s4) + Mul(h2, s3) + Mul(h3, s2) + Mul(h4, s1);
        Vector512<ulong> d1 = Mul(h0, r1) + Mul(h1, r0) + Mul(h2, s4) + Mul(h3, s3) + Mul(h4, s2);
        Vector512<ulong> d2 = Mul(h0, r2) + Mul(h1, r1) + Mul(h2, r0) + Mul(h3, s4) + Mul(h4, s3);
        Vector512<ulong> d3 = Mul(h0, r3) + Mul(h1, r2) + Mul(h2, r1) + Mul(h3, r0) + Mul(h4, s4);
        Vector512<ulong> d4 = Mul(h0, r4) + Mul(h1, r3) + Mul(h2, r2) + Mul(h3, r1) + Mul(h4, r0);

        Vector512<ulong> mask = Vector512.Create(Mask26);
        Vector512<ulong> c = Avx512F.ShiftRightLogical(d0, 26), e = Avx512F.ShiftRightLogical(d3, 26);
        d0 &= mask;
        d3 &= mask;
        d1 += c;
        d4 += e;
        c = Avx512F.ShiftRightLogical(d1, 26);
        e = Avx512F.ShiftRightLogical(d4, 26);
        d1 &= mask;
        d4 &= mask;
        d2 += c;
        d0 += e + Avx512F.ShiftLeftLogical(e, 2);
        c = Avx512F.ShiftRightLogical(d2, 26);
        e = Avx512F.ShiftRightLogical(d0, 26);
        d2 &= mask;
        d0 &= mask;
        d3 += c;
        d1 += e;
        c = Avx512F.ShiftRightLogical(d3, 26);
        d3 &= mask;
        d4 += c;

        h0 = d0;
        h1 = d1;
        h2 = d2;
        h3 = d3;
        h4 = d4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Mul(Vector512<ulong> a, Vector512<ulong> b) => Avx512F.Multiply(a.AsUInt32(), b.AsUInt32());
}
