using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// Poly1305 four blocks at a time with AVX2: four accumulators in the lanes of 256-bit vectors, each in five
/// 26-bit limbs (so every product of <c>vpmuludq</c> and every sum of five fits in 64 bits). Each step
/// multiplies all four by r^4 and adds the next four blocks; at the end lane j is multiplied by r^(4-j)
/// and the lanes are summed, which equals absorbing the blocks one by one. The scalar form is one chain
/// of dependent multiplies per block; this form is four independent ones per vector instruction.
/// Constant-time: only the number of blocks decides a branch.
/// </summary>
internal partial struct Poly1305
{
    private const ulong Mask26 = 0x3FF_FFFF;

    /// <summary>The fewest blocks worth the vector form (its set-up computes r^2, r^3, r^4).</summary>
    private const int VectorThreshold = 16;

    /// <summary>Whether this CPU can run the vector form.</summary>
    private static bool IsVectorized => Avx2.IsSupported;

    /// <summary>Absorbs <paramref name="count"/> whole 16-byte blocks starting at <paramref name="data"/>, four at a time where there are enough.</summary>
    private void BlocksWide(ref byte data, int count)
    {
        if (!IsVectorized || count < VectorThreshold)
        {
            Blocks(ref data, count);
            return;
        }

        int vectorBlocks = count & ~3;
        BlocksVector256(ref data, vectorBlocks);
        Blocks(ref Unsafe.Add(ref data, vectorBlocks << 4), count - vectorBlocks);
    }

    [SkipLocalsInit]
    private void BlocksVector256(ref byte data, int count)
    {
        PowersOfR(out Power first, out Power second, out Power third, out Power fourth);

        first.Limbs(out ulong a0, out ulong a1, out ulong a2, out ulong a3, out ulong a4);
        second.Limbs(out ulong b0, out ulong b1, out ulong b2, out ulong b3, out ulong b4);
        third.Limbs(out ulong c0, out ulong c1, out ulong c2, out ulong c3, out ulong c4);
        fourth.Limbs(out ulong e0, out ulong e1, out ulong e2, out ulong e3, out ulong e4);

        // r^4 in every lane for the steps.
        Vector256<ulong> r0 = Vector256.Create(e0), r1 = Vector256.Create(e1), r2 = Vector256.Create(e2), r3 = Vector256.Create(e3), r4 = Vector256.Create(e4);
        Vector256<ulong> s1 = Times5(r1), s2 = Times5(r2), s3 = Times5(r3), s4 = Times5(r4);

        // The lanes hold blocks 0, 2, 1, 3 of each group (the order the unpacks leave them in), so lane 0 starts
        // with h and the last multiply is by r^4, r^2, r^3, r^1.
        Load(ref data, out Vector256<ulong> h0, out Vector256<ulong> h1, out Vector256<ulong> h2, out Vector256<ulong> h3, out Vector256<ulong> h4);
        new Power { W0 = _h0, W1 = _h1, W2 = _h2 }.Limbs(out ulong l0, out ulong l1, out ulong l2, out ulong l3, out ulong l4);
        h0 += Vector256.Create(l0, 0, 0, 0);
        h1 += Vector256.Create(l1, 0, 0, 0);
        h2 += Vector256.Create(l2, 0, 0, 0);
        h3 += Vector256.Create(l3, 0, 0, 0);
        h4 += Vector256.Create(l4, 0, 0, 0);

        for (int i = 4; i < count; i += 4)
        {
            MultiplyCarry(ref h0, ref h1, ref h2, ref h3, ref h4, r0, r1, r2, r3, r4, s1, s2, s3, s4);
            Load(ref Unsafe.Add(ref data, i << 4), out Vector256<ulong> m0, out Vector256<ulong> m1, out Vector256<ulong> m2, out Vector256<ulong> m3, out Vector256<ulong> m4);
            h0 += m0;
            h1 += m1;
            h2 += m2;
            h3 += m3;
            h4 += m4;
        }

        r0 = Vector256.Create(e0, b0, c0, a0);
        r1 = Vector256.Create(e1, b1, c1, a1);
        r2 = Vector256.Create(e2, b2, c2, a2);
        r3 = Vector256.Create(e3, b3, c3, a3);
        r4 = Vector256.Create(e4, b4, c4, a4);
        MultiplyCarry(ref h0, ref h1, ref h2, ref h3, ref h4, r0, r1, r2, r3, r4, Times5(r1), Times5(r2), Times5(r3), Times5(r4));
        first = second = third = fourth = default;

        // Sum the lanes, carry the limbs to 26 bits, and repack into three words.
        Repack(Sum(h0), Sum(h1), Sum(h2), Sum(h3), Sum(h4));
    }

    /// <summary>Sets h from the five lane sums (limbs of at most 2^40 each).</summary>
    private void Repack(ulong l0, ulong l1, ulong l2, ulong l3, ulong l4) => Pack(l0, l1, l2, l3, l4, out _h0, out _h1, out _h2);

    /// <summary>
    /// Carries five limbs of at most 2^40 each to 26 bits and packs them into three words, congruent mod p
    /// (the last word at most 4). The bits from 2^130 up come back times 5 into limb 0, whose carry can leave
    /// limb 1 at exactly 2^26: it is added, not ORed, into the first word, with the carry on into the second.
    /// </summary>
    internal static void Pack(ulong l0, ulong l1, ulong l2, ulong l3, ulong l4, out ulong h0, out ulong h1, out ulong h2)
    {
        l1 += l0 >> 26;
        l0 &= Mask26;
        l2 += l1 >> 26;
        l1 &= Mask26;
        l3 += l2 >> 26;
        l2 &= Mask26;
        l4 += l3 >> 26;
        l3 &= Mask26;
        l0 += (l4 >> 26) * 5;
        l4 &= Mask26;
        l1 += l0 >> 26;
        l0 &= Mask26;

        h0 = AddCarry(l0 + (l1 << 26), l2 << 52, out ulong carry);
        h1 = AddCarry((l2 >> 12) | (l3 << 14) | (l4 << 40), carry, out carry);
        h2 = (l4 >> 24) + carry;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Times5(Vector256<ulong> value) => Avx2.ShiftLeftLogical(value, 2) + value;

    /// <summary>Splits four 16-byte blocks into limbs (each with its 2^128 bit), lanes in the order 0, 2, 1, 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Load(ref byte data, out Vector256<ulong> m0, out Vector256<ulong> m1, out Vector256<ulong> m2, out Vector256<ulong> m3, out Vector256<ulong> m4)
    {
        Vector256<ulong> first = Vector256.LoadUnsafe(ref data).AsUInt64();
        Vector256<ulong> second = Vector256.LoadUnsafe(ref Unsafe.Add(ref data, 32)).AsUInt64();
        Vector256<ulong> low = Avx2.UnpackLow(first, second), high = Avx2.UnpackHigh(first, second);
        Vector256<ulong> mask = Vector256.Create(Mask26);
        m0 = low & mask;
        m1 = Avx2.ShiftRightLogical(low, 26) & mask;
        m2 = (Avx2.ShiftRightLogical(low, 52) | Avx2.ShiftLeftLogical(high, 12)) & mask;
        m3 = Avx2.ShiftRightLogical(high, 14) & mask;
        m4 = Avx2.ShiftRightLogical(high, 40) | Vector256.Create(1UL << 24);
    }

    /// <summary>h = h·r lane by lane (s = 5·r folds the limbs past 2^130), then one carry pass leaving each limb near 26 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyCarry(
        ref Vector256<ulong> h0, ref Vector256<ulong> h1, ref Vector256<ulong> h2, ref Vector256<ulong> h3, ref Vector256<ulong> h4,
        Vector256<ulong> r0, Vector256<ulong> r1, Vector256<ulong> r2, Vector256<ulong> r3, Vector256<ulong> r4,
        Vector256<ulong> s1, Vector256<ulong> s2, Vector256<ulong> s3, Vector256<ulong> s4)
    {
        Vector256<ulong> d0 = Mul(h0, r0) + Mul(h1, s4) + Mul(h2, s3) + Mul(h3, s2) + Mul(h4, s1);
        Vector256<ulong> d1 = Mul(h0, r1) + Mul(h1, r0) + Mul(h2, s4) + Mul(h3, s3) + Mul(h4, s2);
        Vector256<ulong> d2 = Mul(h0, r2) + Mul(h1, r1) + Mul(h2, r0) + Mul(h3, s4) + Mul(h4, s3);
        Vector256<ulong> d3 = Mul(h0, r3) + Mul(h1, r2) + Mul(h2, r1) + Mul(h3, r0) + Mul(h4, s4);
        Vector256<ulong> d4 = Mul(h0, r4) + Mul(h1, r3) + Mul(h2, r2) + Mul(h3, r1) + Mul(h4, r0);

        // Two carry chains side by side (0 -> 1 and 3 -> 4 -> 0, then 1 -> 2 and 0 -> 1, then 2 -> 3), as short as one pass can be.
        Vector256<ulong> mask = Vector256.Create(Mask26);
        Vector256<ulong> c = Avx2.ShiftRightLogical(d0, 26), e = Avx2.ShiftRightLogical(d3, 26);
        d0 &= mask;
        d3 &= mask;
        d1 += c;
        d4 += e;
        c = Avx2.ShiftRightLogical(d1, 26);
        e = Avx2.ShiftRightLogical(d4, 26);
        d1 &= mask;
        d4 &= mask;
        d2 += c;
        d0 += e + Avx2.ShiftLeftLogical(e, 2);
        c = Avx2.ShiftRightLogical(d2, 26);
        e = Avx2.ShiftRightLogical(d0, 26);
        d2 &= mask;
        d0 &= mask;
        d3 += c;
        d1 += e;
        c = Avx2.ShiftRightLogical(d3, 26);
        d3 &= mask;
        d4 += c;

        h0 = d0;
        h1 = d1;
        h2 = d2;
        h3 = d3;
        h4 = d4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Mul(Vector256<ulong> a, Vector256<ulong> b) => Avx2.Multiply(a.AsUInt32(), b.AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Sum(Vector256<ulong> value) => value.GetElement(0) + value.GetElement(1) + value.GetElement(2) + value.GetElement(3);

    /// <summary>A value below 2^131 as three words (the last at most 4), cut into 26-bit limbs on demand (the top one below 2^26 + 2^24).</summary>
    private struct Power
    {
        public ulong W0, W1, W2;

        /// <summary>The five 26-bit limbs, least significant first.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Limbs(out ulong l0, out ulong l1, out ulong l2, out ulong l3, out ulong l4)
        {
            l0 = W0 & Mask26;
            l1 = (W0 >> 26) & Mask26;
            l2 = ((W0 >> 52) | (W1 << 12)) & Mask26;
            l3 = (W1 >> 14) & Mask26;
            l4 = (W1 >> 40) | (W2 << 24);
        }
    }
}
