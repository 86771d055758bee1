using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// Poly1305 (RFC 8439 section 2.5) in three 44/44/42-bit limbs with 64x64-to-128-bit multiplies, the
/// shape of poly1305-donna-64. Constant-time: carries are arithmetic, the final reduction selects with a
/// mask, and no branch or index depends on the key or the message.
/// </summary>
internal struct Poly1305
{
    private const ulong Mask44 = 0xFFF_FFFF_FFFF, Mask42 = 0x3FF_FFFF_FFFF;

    private ulong _r0, _r1, _r2, _s1, _s2;
    private ulong _h0, _h1, _h2;
    private ulong _pad0, _pad1;

    /// <summary>Starts a MAC with the 32-byte one-time key (r clamped, then s).</summary>
    public Poly1305(ReadOnlySpan<byte> key)
    {
        ulong t0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        ulong t1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
        _r0 = t0 & 0xFFC_0FFF_FFFF;
        _r1 = ((t0 >> 44) | (t1 << 20)) & 0xFFF_FFC0_FFFF;
        _r2 = (t1 >> 24) & 0x00F_FFFF_FC0F;
        _s1 = _r1 * (5 << 2);
        _s2 = _r2 * (5 << 2);
        _pad0 = BinaryPrimitives.ReadUInt64LittleEndian(key[16..]);
        _pad1 = BinaryPrimitives.ReadUInt64LittleEndian(key[24..]);
    }

    /// <summary>Absorbs whole 16-byte blocks; a final partial block is zero-padded (RFC 8439's AEAD pads every part to 16 bytes).</summary>
    public void UpdatePadded(ReadOnlySpan<byte> data)
    {
        int whole = data.Length & ~15;
        Blocks(data[..whole], 1UL << 40);
        if (whole < data.Length)
        {
            Span<byte> last = stackalloc byte[16];
            last.Clear();
            data[whole..].CopyTo(last);
            Blocks(last, 1UL << 40);
        }
    }

    /// <summary>Absorbs exactly one 16-byte block.</summary>
    public void UpdateBlock(ReadOnlySpan<byte> block) => Blocks(block[..16], 1UL << 40);

    /// <summary>Writes the 16-byte tag and wipes the state.</summary>
    public void Finish(Span<byte> tag)
    {
        ulong h0 = _h0, h1 = _h1, h2 = _h2;
        ulong c;
        for (int pass = 0; pass < 2; pass++)
        {
            // Two full carry passes leave every limb within its width (the second absorbs the first's fold).
            c = h1 >> 44;
            h1 &= Mask44;
            h2 += c;
            c = h2 >> 42;
            h2 &= Mask42;
            h0 += c * 5;
            c = h0 >> 44;
            h0 &= Mask44;
            h1 += c;
        }

        // g = h + 5 - 2^130; keep g when it did not borrow, h otherwise, by mask.
        ulong g0 = h0 + 5;
        c = g0 >> 44;
        g0 &= Mask44;
        ulong g1 = h1 + c;
        c = g1 >> 44;
        g1 &= Mask44;
        ulong g2 = h2 + c - (1UL << 42);
        ulong select = (g2 >> 63) - 1; // all ones when g2 did not go negative
        g0 &= select;
        g1 &= select;
        g2 &= select;
        select = ~select;
        h0 = (h0 & select) | g0;
        h1 = (h1 & select) | g1;
        h2 = (h2 & select) | g2;

        // h + s mod 2^128, in 44-bit steps.
        ulong t0 = _pad0, t1 = _pad1;
        h0 += t0 & Mask44;
        c = h0 >> 44;
        h0 &= Mask44;
        h1 += (((t0 >> 44) | (t1 << 20)) & Mask44) + c;
        c = h1 >> 44;
        h1 &= Mask44;
        h2 += ((t1 >> 24) & Mask42) + c;
        h2 &= Mask42;

        BinaryPrimitives.WriteUInt64LittleEndian(tag, h0 | (h1 << 44));
        BinaryPrimitives.WriteUInt64LittleEndian(tag[8..], (h1 >> 20) | (h2 << 24));
        this = default;
    }

    private void Blocks(ReadOnlySpan<byte> data, ulong highBit)
    {
        ulong r0 = _r0, r1 = _r1, r2 = _r2, s1 = _s1, s2 = _s2;
        ulong h0 = _h0, h1 = _h1, h2 = _h2;
        ref byte start = ref MemoryMarshal.GetReference(data);
        for (int i = 0; i + 16 <= data.Length; i += 16)
        {
            ulong t0 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            ulong t1 = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8));
            h0 += t0 & Mask44;
            h1 += ((t0 >> 44) | (t1 << 20)) & Mask44;
            h2 += ((t1 >> 24) & Mask42) | highBit;

            // d = h * r, each limb product at most 2^88; three summed stay below 2^90.
            Mul(out ulong d0Hi, out ulong d0Lo, h0, r0);
            Add(ref d0Hi, ref d0Lo, h1, s2);
            Add(ref d0Hi, ref d0Lo, h2, s1);
            Mul(out ulong d1Hi, out ulong d1Lo, h0, r1);
            Add(ref d1Hi, ref d1Lo, h1, r0);
            Add(ref d1Hi, ref d1Lo, h2, s2);
            Mul(out ulong d2Hi, out ulong d2Lo, h0, r2);
            Add(ref d2Hi, ref d2Lo, h1, r1);
            Add(ref d2Hi, ref d2Lo, h2, r0);

            // Partial reduction: carry 44, 44, 42 bits, the top folded back times 5 (2^130 = 5 mod p).
            ulong c = (d0Lo >> 44) | (d0Hi << 20);
            h0 = d0Lo & Mask44;
            AddSmall(ref d1Hi, ref d1Lo, c);
            c = (d1Lo >> 44) | (d1Hi << 20);
            h1 = d1Lo & Mask44;
            AddSmall(ref d2Hi, ref d2Lo, c);
            c = (d2Lo >> 42) | (d2Hi << 22);
            h2 = d2Lo & Mask42;
            h0 += c * 5;
            c = h0 >> 44;
            h0 &= Mask44;
            h1 += c;
        }

        _h0 = h0;
        _h1 = h1;
        _h2 = h2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mul(out ulong hi, out ulong lo, ulong a, ulong b) => hi = Math.BigMul(a, b, out lo);

    /// <summary>(hi, lo) += a * b, the carry computed without a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ref ulong hi, ref ulong lo, ulong a, ulong b)
    {
        ulong productHi = Math.BigMul(a, b, out ulong productLo);
        ulong sum = lo + productLo;
        hi += productHi + (((lo & productLo) | ((lo | productLo) & ~sum)) >> 63);
        lo = sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSmall(ref ulong hi, ref ulong lo, ulong value)
    {
        ulong sum = lo + value;
        hi += ((lo & value) | ((lo | value) & ~sum)) >> 63;
        lo = sum;
    }
}
