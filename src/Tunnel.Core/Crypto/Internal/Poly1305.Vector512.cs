using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// Poly1305 sixteen blocks at a time with AVX-512: the four-lane form of <c>Poly1305.Vector256.cs</c> in
/// 512-bit vectors, two accumulators of eight lanes side by side, each multiplied by r^16 per step. The steps
/// of one accumulator are a chain (each multiply waits for the last carry), so twice the lanes, and a second
/// chain beside the first, is more blocks per step at about the same latency. Constant-time: only the number
/// of blocks decides a branch.
/// </summary>
internal partial struct Poly1305
{
    /// <summary>The fewest blocks the AVX-512 form takes (its set-up computes r^2 to r^8 and r^16).</summary>
    private const int Vector512Threshold = 32;

    /// <summary>Whether this CPU can run the AVX-512 form.</summary>
    public static bool IsVector512Supported => Avx512F.IsSupported;

    /// <summary>Absorbs whole 16-byte blocks; a final partial block is zero-padded. Long inputs take the AVX-512 form where <paramref name="vector512"/> asks and the CPU can.</summary>
    /// <param name="data">The data.</param>
    /// <param name="vector512">Whether to run the AVX-512 form on long inputs: the AEAD's AVX-512 paths do.</param>
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

    private void BlocksVector512(ref byte data, int count)
    {
        // The powers of the last multiply, lane by lane; r^8 (lane 0's) in every lane.
        LanePowers(out Vector512<ulong> p0, out Vector512<ulong> p1, out Vector512<ulong> p2, out Vector512<ulong> p3, out Vector512<ulong> p4);
        Vector512<ulong> r0 = Vector512.Create(p0.ToScalar()), r1 = Vector512.Create(p1.ToScalar()), r2 = Vector512.Create(p2.ToScalar()), r3 = Vector512.Create(p3.ToScalar()), r4 = Vector512.Create(p4.ToScalar());
        Vector512<ulong> s1 = Times5(r1), s2 = Times5(r2), s3 = Times5(r3), s4 = Times5(r4);

        // r^16 in every lane, for the steps.
        Vector512<ulong> q0 = r0, q1 = r1, q2 = r2, q3 = r3, q4 = r4;
        MultiplyCarry(ref q0, ref q1, ref q2, ref q3, ref q4, r0, r1, r2, r3, r4, s1, s2, s3, s4);
        Vector512<ulong> t1 = Times5(q1), t2 = Times5(q2), t3 = Times5(q3), t4 = Times5(q4);

        // Two accumulators take the groups of eight blocks in turn, a the even groups and b the odd ones, each
        // multiplied by r^16 per step: one accumulator's steps are a chain (each multiply waits for the last
        // carry), and the other's independent multiplies fill its gaps. The lanes hold blocks 0, 4, 1, 5, 2, 6,
        // 3, 7 of each group (the order the unpacks leave them in), so lane 0 of a starts with h.
        Load(ref data, out Vector512<ulong> a0, out Vector512<ulong> a1, out Vector512<ulong> a2, out Vector512<ulong> a3, out Vector512<ulong> a4);
        Load(ref Unsafe.Add(ref data, 128), out Vector512<ulong> b0, out Vector512<ulong> b1, out Vector512<ulong> b2, out Vector512<ulong> b3, out Vector512<ulong> b4);
        new Power { W0 = _h0, W1 = _h1, W2 = _h2 }.Limbs(out ulong l0, out ulong l1, out ulong l2, out ulong l3, out ulong l4);
        a0 += Vector512.CreateScalar(l0);
        a1 += Vector512.CreateScalar(l1);
        a2 += Vector512.CreateScalar(l2);
        a3 += Vector512.CreateScalar(l3);
        a4 += Vector512.CreateScalar(l4);

        int i = 16;
        for (; i + 16 <= count; i += 16)
        {
            MultiplyCarry(ref a0, ref a1, ref a2, ref a3, ref a4, q0, q1, q2, q3, q4, t1, t2, t3, t4);
            MultiplyCarry(ref b0, ref b1, ref b2, ref b3, ref b4, q0, q1, q2, q3, q4, t1, t2, t3, t4);
            Add(ref Unsafe.Add(ref data, i << 4), ref a0, ref a1, ref a2, ref a3, ref a4);
            Add(ref Unsafe.Add(ref data, (i + 8) << 4), ref b0, ref b1, ref b2, ref b3, ref b4);
        }

        if (i < count)
        {
            // An odd number of groups: the last joins a, and b then holds the groups one before a's.
            MultiplyCarry(ref a0, ref a1, ref a2, ref a3, ref a4, q0, q1, q2, q3, q4, t1, t2, t3, t4);
            Add(ref Unsafe.Add(ref data, i << 4), ref a0, ref a1, ref a2, ref a3, ref a4);
            (a0, b0) = (b0, a0);
            (a1, b1) = (b1, a1);
            (a2, b2) = (b2, a2);
            (a3, b3) = (b3, a3);
            (a4, b4) = (b4, a4);
        }

        // b holds the last group, whose lanes take r^8, r^4, r^7, r^3, r^6, r^2, r^5, r^1; a holds the group before
        // it, whose lanes take those powers times r^8.
        Vector512<ulong> e0 = p0, e1 = p1, e2 = p2, e3 = p3, e4 = p4;
        MultiplyCarry(ref e0, ref e1, ref e2, ref e3, ref e4, r0, r1, r2, r3, r4, s1, s2, s3, s4);
        MultiplyCarry(ref a0, ref a1, ref a2, ref a3, ref a4, e0, e1, e2, e3, e4, Times5(e1), Times5(e2), Times5(e3), Times5(e4));
        MultiplyCarry(ref b0, ref b1, ref b2, ref b3, ref b4, p0, p1, p2, p3, p4, Times5(p1), Times5(p2), Times5(p3), Times5(p4));

        // Sum the lanes, carry the limbs to 26 bits, and repack into three words.
        Repack(Vector512.Sum(a0 + b0), Vector512.Sum(a1 + b1), Vector512.Sum(a2 + b2), Vector512.Sum(a3 + b3), Vector512.Sum(a4 + b4));
    }

    /// <summary>Adds the eight blocks at <paramref name="data"/> to an accumulator, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ref byte data, ref Vector512<ulong> h0, ref Vector512<ulong> h1, ref Vector512<ulong> h2, ref Vector512<ulong> h3, ref Vector512<ulong> h4)
    {
        Load(ref data, out Vector512<ulong> m0, out Vector512<ulong> m1, out Vector512<ulong> m2, out Vector512<ulong> m3, out Vector512<ulong> m4);
        h0 += m0;
        h1 += m1;
        h2 += m2;
        h3 += m3;
        h4 += m4;
    }

    /// <summary>
    /// The limbs of r, r^2, ..., r^8 in the lanes of the last multiply: r^8 in lane 0, r^4 in 1, r^7 in 2, r^3 in
    /// 3, r^6 in 4, r^2 in 5, r^5 in 6, r in 7. r to r^4 come from three scalar multiplies; r^5 to r^8 are r^4
    /// times each of them in one four-lane multiply, so the chain is four multiplies long, not seven, and
    /// nothing goes through memory. Every limb stays below 2^26 + 2^9, as h's do between steps, so the powers
    /// multiply as r does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void LanePowers(out Vector512<ulong> p0, out Vector512<ulong> p1, out Vector512<ulong> p2, out Vector512<ulong> p3, out Vector512<ulong> p4)
    {
        PowersOfR(out Power first, out Power second, out Power third, out Power fourth);
        first.Limbs(out ulong a0, out ulong a1, out ulong a2, out ulong a3, out ulong a4);
        second.Limbs(out ulong b0, out ulong b1, out ulong b2, out ulong b3, out ulong b4);
        third.Limbs(out ulong c0, out ulong c1, out ulong c2, out ulong c3, out ulong c4);
        fourth.Limbs(out ulong e0, out ulong e1, out ulong e2, out ulong e3, out ulong e4);

        // Limb l of r, r^2, r^3, r^4, lane by lane; times r^4 gives r^5 to r^8 in the same lanes.
        Vector256<ulong> low0 = Vector256.Create(a0, b0, c0, e0), low1 = Vector256.Create(a1, b1, c1, e1), low2 = Vector256.Create(a2, b2, c2, e2);
        Vector256<ulong> low3 = Vector256.Create(a3, b3, c3, e3), low4 = Vector256.Create(a4, b4, c4, e4);
        Vector256<ulong> high0 = low0, high1 = low1, high2 = low2, high3 = low3, high4 = low4;
        Vector256<ulong> q1 = Vector256.Create(e1), q2 = Vector256.Create(e2), q3 = Vector256.Create(e3), q4 = Vector256.Create(e4);
        MultiplyCarry(ref high0, ref high1, ref high2, ref high3, ref high4, Vector256.Create(e0), q1, q2, q3, q4, Times5(q1), Times5(q2), Times5(q3), Times5(q4));

        // r^1..r^4 in lanes 0-3 and r^5..r^8 in 4-7, reordered to the lanes the blocks take.
        Vector512<ulong> order = Vector512.Create(7UL, 3, 6, 2, 5, 1, 4, 0);
        p0 = Avx512F.PermuteVar8x64(Vector512.Create(low0, high0), order);
        p1 = Avx512F.PermuteVar8x64(Vector512.Create(low1, high1), order);
        p2 = Avx512F.PermuteVar8x64(Vector512.Create(low2, high2), order);
        p3 = Avx512F.PermuteVar8x64(Vector512.Create(low3, high3), order);
        p4 = Avx512F.PermuteVar8x64(Vector512.Create(low4, high4), order);
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
