using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// The ChaCha20 block function (RFC 8439 section 2.3) with AVX2 for short messages: two blocks per set of
/// four 256-bit rows (the lower lane one block, the upper the next), one set or two with their rounds
/// interleaved, so 128 or 256 bytes of key stream per call; <see cref="ChaCha20Avx2Wide"/> makes eight
/// blocks at a time for long ones. Constant-time: the only branches depend on lengths.
/// </summary>
internal static class ChaCha20Avx2
{
    /// <summary>Whether this CPU can run it.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>Writes the key stream of two blocks (128 bytes) or four (256) from block <paramref name="counter"/>, as <paramref name="keyStream"/>'s length asks.</summary>
    public static void KeyStream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, uint counter, Span<byte> keyStream)
    {
        Vector256<uint> a = Vector256.Create(0x61707865u, 0x3320646e, 0x79622d32, 0x6b206574, 0x61707865u, 0x3320646e, 0x79622d32, 0x6b206574);
        Vector128<uint> key0 = MemoryMarshal.Read<Vector128<uint>>(key), key1 = MemoryMarshal.Read<Vector128<uint>>(key[16..]);
        Vector256<uint> b = Vector256.Create(key0, key0);
        Vector256<uint> c = Vector256.Create(key1, key1);
        uint n0 = BinaryPrimitives.ReadUInt32LittleEndian(nonce), n1 = BinaryPrimitives.ReadUInt32LittleEndian(nonce[4..]), n2 = BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]);
        Vector256<uint> d = Vector256.Create(counter, n0, n1, n2, counter + 1, n0, n1, n2);
        ref byte output = ref MemoryMarshal.GetReference(keyStream);
        if (keyStream.Length == 128)
        {
            Rounds(a, b, c, d, out Vector256<uint> x0, out Vector256<uint> x1, out Vector256<uint> x2, out Vector256<uint> x3);
            StorePair(x0, x1, x2, x3, ref output);
        }
        else
        {
            ArgumentOutOfRangeException.ThrowIfNotEqual(keyStream.Length, 256);
            RoundsTwice(a, b, c, d, d + Vector256.Create(2u, 0, 0, 0, 2, 0, 0, 0), out Vector256<uint> x0, out Vector256<uint> x1, out Vector256<uint> x2, out Vector256<uint> x3, out Vector256<uint> y0, out Vector256<uint> y1, out Vector256<uint> y2, out Vector256<uint> y3);
            StorePair(x0, x1, x2, x3, ref output);
            StorePair(y0, y1, y2, y3, ref Unsafe.Add(ref output, 128));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rounds(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, out Vector256<uint> x0, out Vector256<uint> x1, out Vector256<uint> x2, out Vector256<uint> x3)
    {
        Vector256<uint> s0 = a, s1 = b, s2 = c, s3 = d;
        for (int round = 0; round < 10; round++)
        {
            QuarterRounds(ref a, ref b, ref c, ref d);
            Diagonalize(ref b, ref c, ref d);
            QuarterRounds(ref a, ref b, ref c, ref d);
            Undiagonalize(ref b, ref c, ref d);
        }

        x0 = a + s0;
        x1 = b + s1;
        x2 = c + s2;
        x3 = d + s3;
    }

    /// <summary>
    /// Two sets at once, step by step interleaved: each quarter round is a chain of dependent operations, and
    /// two independent chains side by side keep the vector units busy where one would wait on each result
    /// (when this was the only ChaCha20, a 1420-byte seal took 5.05 us so, against 5.89 us for the sets one
    /// after the other and 5.70 us for whole double rounds alternating).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RoundsTwice(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, Vector256<uint> d2, out Vector256<uint> x0, out Vector256<uint> x1, out Vector256<uint> x2, out Vector256<uint> x3, out Vector256<uint> y0, out Vector256<uint> y1, out Vector256<uint> y2, out Vector256<uint> y3)
    {
        Vector256<uint> a1 = a, b1 = b, c1 = c, e = d;
        Vector256<uint> a2 = a, b2 = b, c2 = c, f = d2;
        for (int round = 0; round < 10; round++)
        {
            QuarterRounds(ref a1, ref b1, ref c1, ref e);
            QuarterRounds(ref a2, ref b2, ref c2, ref f);
            Diagonalize(ref b1, ref c1, ref e);
            Diagonalize(ref b2, ref c2, ref f);
            QuarterRounds(ref a1, ref b1, ref c1, ref e);
            QuarterRounds(ref a2, ref b2, ref c2, ref f);
            Undiagonalize(ref b1, ref c1, ref e);
            Undiagonalize(ref b2, ref c2, ref f);
        }

        x0 = a1 + a;
        x1 = b1 + b;
        x2 = c1 + c;
        x3 = e + d;
        y0 = a2 + a;
        y1 = b2 + b;
        y2 = c2 + c;
        y3 = f + d2;
    }

    /// <summary>Rotates rows b, c and d by one, two and three words, so the diagonals line up as columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Diagonalize(ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        b = Avx2.Shuffle(b, 0b00_11_10_01);
        c = Avx2.Shuffle(c, 0b01_00_11_10);
        d = Avx2.Shuffle(d, 0b10_01_00_11);
    }

    /// <summary>Rotates the rows back after a diagonal round.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Undiagonalize(ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        b = Avx2.Shuffle(b, 0b10_01_00_11);
        c = Avx2.Shuffle(c, 0b01_00_11_10);
        d = Avx2.Shuffle(d, 0b00_11_10_01);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRounds(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        a += b;
        d = Avx2.Shuffle((d ^ a).AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();
        c += d;
        b ^= c;
        b = Avx2.ShiftLeftLogical(b, 12) | Avx2.ShiftRightLogical(b, 20);
        a += b;
        d = Avx2.Shuffle((d ^ a).AsByte(), Vector256.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)).AsUInt32();
        c += d;
        b ^= c;
        b = Avx2.ShiftLeftLogical(b, 7) | Avx2.ShiftRightLogical(b, 25);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair(Vector256<uint> x0, Vector256<uint> x1, Vector256<uint> x2, Vector256<uint> x3, ref byte output)
    {
        Avx2.Permute2x128(x0, x1, 0x20).AsByte().StoreUnsafe(ref output);
        Avx2.Permute2x128(x2, x3, 0x20).AsByte().StoreUnsafe(ref Unsafe.Add(ref output, 32));
        Avx2.Permute2x128(x0, x1, 0x31).AsByte().StoreUnsafe(ref Unsafe.Add(ref output, 64));
        Avx2.Permute2x128(x2, x3, 0x31).AsByte().StoreUnsafe(ref Unsafe.Add(ref output, 96));
    }
}
