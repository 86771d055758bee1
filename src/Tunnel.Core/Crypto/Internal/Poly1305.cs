using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// Poly1305 (RFC 8439 section 2.5) in two 64-bit words and a small third (h = h0 + h1·2^64 + h2·2^128, h2
/// below 8), four 64x64-to-128-bit multiplies per block. Clamping leaves r1 a multiple of 4, so the terms
/// at 2^128 and above fold back as multiples of s1 = 5·r1/4 (2^130 = 5 mod p). Constant-time: carries come
/// from comparisons turned into 0 or 1 without a branch, the final reduction selects with a mask, and no
/// branch or index depends on the key or the message.
/// </summary>
internal partial struct Poly1305
{
    private ulong _r0, _r1, _s1;
    private ulong _h0, _h1, _h2;
    private ulong _pad0, _pad1;

    /// <summary>Starts a MAC with the 32-byte one-time key (r clamped, then s).</summary>
    public Poly1305(ReadOnlySpan<byte> key)
    {
        _r0 = BinaryPrimitives.ReadUInt64LittleEndian(key) & 0x0FFF_FFFC_0FFF_FFFF;
        _r1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]) & 0x0FFF_FFFC_0FFF_FFFC;
        _s1 = _r1 + (_r1 >> 2);
        _pad0 = BinaryPrimitives.ReadUInt64LittleEndian(key[16..]);
        _pad1 = BinaryPrimitives.ReadUInt64LittleEndian(key[24..]);
    }

    /// <summary>Absorbs whole 16-byte blocks; a final partial block is zero-padded (RFC 8439's AEAD pads every part to 16 bytes).</summary>
    public void UpdatePadded(ReadOnlySpan<byte> data)
    {
        int whole = data.Length & ~15;
        BlocksWide(ref MemoryMarshal.GetReference(data), whole >> 4);
        if (whole < data.Length)
        {
            Span<byte> last = stackalloc byte[16];
            last.Clear();
            data[whole..].CopyTo(last);
            Blocks(ref MemoryMarshal.GetReference(last), 1);
        }
    }

    /// <summary>Absorbs exactly one 16-byte block.</summary>
    public void UpdateBlock(ReadOnlySpan<byte> block) => Blocks(ref MemoryMarshal.GetReference(block[..16]), 1);

    /// <summary>Absorbs <paramref name="count"/> whole 16-byte blocks starting at <paramref name="data"/>; the caller guarantees the length.</summary>
    private void Blocks(ref byte data, int count)
    {
        ulong r0 = _r0, r1 = _r1, s1 = _s1;
        ulong h0 = _h0, h1 = _h1, h2 = _h2;
        for (int i = 0; i < count; i++)
        {
            ref byte block = ref Unsafe.Add(ref data, i << 4);

            // h += m + 2^128 (the block's high bit).
            h0 = AddCarry(h0, Unsafe.ReadUnaligned<ulong>(ref block), out ulong carry);
            h1 = AddCarry(h1, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref block, 8)), carry, out carry);
            h2 += carry + 1;

            MultiplyReduce(ref h0, ref h1, ref h2, r0, r1, s1);
        }

        _h0 = h0;
        _h1 = h1;
        _h2 = h2;
    }

    /// <summary>
    /// r, r^2, r^3 and r^4, each congruent mod p and only partially reduced (the last word at most 4): the
    /// vector form's 26-bit limbs then stay below 2^26.4, which its products and sums have room for, and four
    /// full reductions (about 30 ns a message) are saved.
    /// </summary>
    private readonly void PowersOfR(out Power first, out Power second, out Power third, out Power fourth)
    {
        ulong r0 = _r0, r1 = _r1, s1 = _s1;
        ulong h0 = r0, h1 = r1, h2 = 0;
        first = new Power { W0 = h0, W1 = h1, W2 = h2 };
        MultiplyReduce(ref h0, ref h1, ref h2, r0, r1, s1);
        second = new Power { W0 = h0, W1 = h1, W2 = h2 };
        MultiplyReduce(ref h0, ref h1, ref h2, r0, r1, s1);
        third = new Power { W0 = h0, W1 = h1, W2 = h2 };
        MultiplyReduce(ref h0, ref h1, ref h2, r0, r1, s1);
        fourth = new Power { W0 = h0, W1 = h1, W2 = h2 };
    }

    /// <summary>
    /// h = h·r mod p, partially: h2 comes back at most 4. The terms are d0 = h0·r0 + h1·s1,
    /// d1 = h0·r1 + h1·r0 + h2·s1 and d2 = h2·r0, each sum below 2^127; the bits from 2^130 up, times 5,
    /// go back to the bottom.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyReduce(ref ulong h0, ref ulong h1, ref ulong h2, ulong r0, ulong r1, ulong s1)
    {
        ulong d0Hi = Multiply(h0, r0, out ulong d0Lo);
        ulong tHi = Multiply(h1, s1, out ulong tLo);
        d0Lo = AddCarry(d0Lo, tLo, out ulong carry);
        d0Hi += tHi + carry;

        ulong d1Hi = Multiply(h0, r1, out ulong d1Lo);
        tHi = Multiply(h1, r0, out tLo);
        d1Lo = AddCarry(d1Lo, tLo, out carry);
        d1Hi += tHi + carry;
        d1Lo = AddCarry(d1Lo, h2 * s1, out carry);
        d1Hi += carry;
        d1Lo = AddCarry(d1Lo, d0Hi, out carry);
        d1Hi += carry;

        ulong d2 = (h2 * r0) + d1Hi;
        ulong fold = (d2 & ~3UL) + (d2 >> 2);
        h2 = d2 & 3;
        h0 = AddCarry(d0Lo, fold, out carry);
        h1 = AddCarry(d1Lo, carry, out carry);
        h2 += carry;
    }

    /// <summary>h mod p, fully reduced (the last word below 4).</summary>
    private readonly void Reduce(out ulong h0, out ulong h1, out ulong h2)
    {
        h0 = _h0;
        h1 = _h1;
        h2 = _h2;
        ulong fold = (h2 & ~3UL) + (h2 >> 2);
        h2 &= 3;
        h0 = AddCarry(h0, fold, out ulong carry);
        h1 = AddCarry(h1, carry, out carry);
        h2 += carry;

        ulong g0 = AddCarry(h0, 5, out carry);
        ulong g1 = AddCarry(h1, carry, out carry);
        ulong g2 = h2 + carry;

        // g reached 2^130 exactly when h >= p: keep g (its low 130 bits) then, h otherwise, by mask.
        ulong select = 0 - (g2 >> 2);
        h0 = (h0 & ~select) | (g0 & select);
        h1 = (h1 & ~select) | (g1 & select);
        h2 = (h2 & ~select) | (g2 & 3 & select);
    }

    /// <summary>Writes the 16-byte tag and wipes the state.</summary>
    public void Finish(Span<byte> tag)
    {
        Reduce(out ulong h0, out ulong h1, out _);

        // tag = (h + s) mod 2^128.
        h0 = AddCarry(h0, _pad0, out ulong carry);
        h1 = h1 + _pad1 + carry;
        BinaryPrimitives.WriteUInt64LittleEndian(tag, h0);
        BinaryPrimitives.WriteUInt64LittleEndian(tag[8..], h1);
        this = default;
    }

    /// <summary>
    /// The 128-bit product as two words. The high word alone from <c>mulx</c> and the low from <c>imul</c>:
    /// <see cref="Math.BigMul(ulong, ulong, out ulong)"/> passes its low word through memory, which put a
    /// store and a load on the chain of every block (1420-byte MAC 1.49 us that way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Multiply(ulong a, ulong b, out ulong low)
    {
        if (Bmi2.X64.IsSupported)
        {
            low = a * b;
            return Bmi2.X64.MultiplyNoFlags(a, b);
        }

        return Math.BigMul(a, b, out low);
    }

    /// <summary>a + b + carryIn (0 or 1), with the carry out as 0 or 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddCarry(ulong a, ulong b, ulong carryIn, out ulong carry)
    {
        ulong sum = AddCarry(a, b, out ulong first);
        sum = AddCarry(sum, carryIn, out ulong second);
        carry = first | second;
        return sum;
    }

    /// <summary>a + b, with the carry out as 0 or 1 from a comparison the JIT turns into <c>setb</c>, not a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddCarry(ulong a, ulong b, out ulong carry)
    {
        ulong sum = a + b;
        carry = Unsafe.BitCast<bool, byte>(sum < a);
        return sum;
    }
}
