using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// ChaCha20 (RFC 8439 section 2.3) eight blocks at a time with AVX2, one state word per 256-bit register
/// across the eight blocks: the quarter rounds of a round are four independent chains and need no lane
/// shuffles between column and diagonal rounds, so long messages run at the vector units' throughput
/// rather than at one chain's latency. The eight blocks are transposed back into byte order at the end.
/// Constant-time: no branch or index depends on the key, the nonce or the data.
/// </summary>
internal readonly struct ChaCha20Avx2Wide : IChaCha20Steps
{
    /// <summary>The bytes of key stream one call produces.</summary>
    public const int ChunkSize = 512;

    /// <summary>Whether this CPU can run it.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    /// <inheritdoc/>
    static int IChaCha20Steps.ChunkSize => ChunkSize;

    /// <inheritdoc/>
    static bool IChaCha20Steps.Poly1305Vector512 => false;

    /// <summary>Writes the 512 bytes of key stream of blocks <paramref name="counter"/> to <paramref name="counter"/> + 7 to <paramref name="keyStream"/>.</summary>
    [SkipLocalsInit]
    public static void KeyStream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, uint counter, ref byte keyStream)
    {
        ref byte k = ref MemoryMarshal.GetReference(key);
        ref byte n = ref MemoryMarshal.GetReference(nonce);
        // Locals, so they are constants in the code: a static readonly field is a load at every use, and with a
        // class-initialization check where the JIT cannot rule it out (no tiering, Native AOT).
        Vector256<byte> rotate16 = Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
        Vector256<byte> rotate8 = Vector256.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
        Vector256<uint> i0 = Vector256.Create(0x61707865u), i1 = Vector256.Create(0x3320646eu), i2 = Vector256.Create(0x79622d32u), i3 = Vector256.Create(0x6b206574u);
        Vector256<uint> i4 = Word(ref k, 0), i5 = Word(ref k, 4), i6 = Word(ref k, 8), i7 = Word(ref k, 12);
        Vector256<uint> i8 = Word(ref k, 16), i9 = Word(ref k, 20), i10 = Word(ref k, 24), i11 = Word(ref k, 28);
        Vector256<uint> i12 = Vector256.Create(counter) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        Vector256<uint> i13 = Word(ref n, 0), i14 = Word(ref n, 4), i15 = Word(ref n, 8);

        // Sixteen state rows and a temporary for the shifts are one more than AVX2's sixteen registers: the d row
        // lives on the stack, where each use is one load before and one store after, and the rows that stay in
        // registers never spill in the middle of a rotation (a 512-byte step took 672 ns with all sixteen as
        // locals, 409 ns so).
        Rows d = default;
        d[0] = i12;
        d[1] = i13;
        d[2] = i14;
        d[3] = i15;
        Vector256<uint> x0 = i0, x1 = i1, x2 = i2, x3 = i3, x4 = i4, x5 = i5, x6 = i6, x7 = i7;
        Vector256<uint> x8 = i8, x9 = i9, x10 = i10, x11 = i11;
        for (int round = 0; round < 10; round++)
        {
            // Columns: (0, 4, 8, 12) (1, 5, 9, 13) (2, 6, 10, 14) (3, 7, 11, 15), step by step.
            x0 += x4; x1 += x5; x2 += x6; x3 += x7;
            x8 += d[0] = Rotate16(d[0] ^ x0, rotate16); x9 += d[1] = Rotate16(d[1] ^ x1, rotate16); x10 += d[2] = Rotate16(d[2] ^ x2, rotate16); x11 += d[3] = Rotate16(d[3] ^ x3, rotate16);
            x4 = Rotate12(x4 ^ x8); x5 = Rotate12(x5 ^ x9); x6 = Rotate12(x6 ^ x10); x7 = Rotate12(x7 ^ x11);
            x0 += x4; x1 += x5; x2 += x6; x3 += x7;
            x8 += d[0] = Rotate8(d[0] ^ x0, rotate8); x9 += d[1] = Rotate8(d[1] ^ x1, rotate8); x10 += d[2] = Rotate8(d[2] ^ x2, rotate8); x11 += d[3] = Rotate8(d[3] ^ x3, rotate8);
            x4 = Rotate7(x4 ^ x8); x5 = Rotate7(x5 ^ x9); x6 = Rotate7(x6 ^ x10); x7 = Rotate7(x7 ^ x11);

            // Diagonals: (0, 5, 10, 15) (1, 6, 11, 12) (2, 7, 8, 13) (3, 4, 9, 14).
            x0 += x5; x1 += x6; x2 += x7; x3 += x4;
            x10 += d[3] = Rotate16(d[3] ^ x0, rotate16); x11 += d[0] = Rotate16(d[0] ^ x1, rotate16); x8 += d[1] = Rotate16(d[1] ^ x2, rotate16); x9 += d[2] = Rotate16(d[2] ^ x3, rotate16);
            x5 = Rotate12(x5 ^ x10); x6 = Rotate12(x6 ^ x11); x7 = Rotate12(x7 ^ x8); x4 = Rotate12(x4 ^ x9);
            x0 += x5; x1 += x6; x2 += x7; x3 += x4;
            x10 += d[3] = Rotate8(d[3] ^ x0, rotate8); x11 += d[0] = Rotate8(d[0] ^ x1, rotate8); x8 += d[1] = Rotate8(d[1] ^ x2, rotate8); x9 += d[2] = Rotate8(d[2] ^ x3, rotate8);
            x5 = Rotate7(x5 ^ x10); x6 = Rotate7(x6 ^ x11); x7 = Rotate7(x7 ^ x8); x4 = Rotate7(x4 ^ x9);
        }

        Store(x0 + i0, x1 + i1, x2 + i2, x3 + i3, ref keyStream, 0);
        Store(x4 + i4, x5 + i5, x6 + i6, x7 + i7, ref keyStream, 16);
        Store(x8 + i8, x9 + i9, x10 + i10, x11 + i11, ref keyStream, 32);
        Store(d[0] + i12, d[1] + i13, d[2] + i14, d[3] + i15, ref keyStream, 48);
    }

    /// <summary>XORs <paramref name="length"/> bytes (a multiple of 32, at most 512) of <paramref name="keyStream"/> into output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xor(ref byte keyStream, ref byte input, ref byte output, int length)
    {
        for (int i = 0; i < length; i += 32)
        {
            (Vector256.LoadUnsafe(ref Unsafe.Add(ref input, i)) ^ Vector256.LoadUnsafe(ref Unsafe.Add(ref keyStream, i))).StoreUnsafe(ref Unsafe.Add(ref output, i));
        }
    }

    /// <inheritdoc/>
    static void IChaCha20Steps.Xor(ref byte keyStream, ref byte input, ref byte output, int length) => Xor(ref keyStream, ref input, ref output, length);

    /// <summary>
    /// Writes four state words of the eight blocks to their places: a 4x4 transpose within each 128-bit half
    /// gives block b's four words in the lower half and block b + 4's in the upper; each goes to its block at
    /// byte <paramref name="wordOffset"/> (in 4-byte words) of it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, ref byte keyStream, int wordOffset)
    {
        Vector256<ulong> ab0 = Avx2.UnpackLow(a, b).AsUInt64(), cd0 = Avx2.UnpackLow(c, d).AsUInt64();
        Vector256<ulong> ab1 = Avx2.UnpackHigh(a, b).AsUInt64(), cd1 = Avx2.UnpackHigh(c, d).AsUInt64();
        Vector256<byte> t0 = Avx2.UnpackLow(ab0, cd0).AsByte(), t1 = Avx2.UnpackHigh(ab0, cd0).AsByte();
        Vector256<byte> t2 = Avx2.UnpackLow(ab1, cd1).AsByte(), t3 = Avx2.UnpackHigh(ab1, cd1).AsByte();
        ref byte at = ref Unsafe.Add(ref keyStream, wordOffset);
        t0.GetLower().StoreUnsafe(ref at);
        t1.GetLower().StoreUnsafe(ref Unsafe.Add(ref at, 64));
        t2.GetLower().StoreUnsafe(ref Unsafe.Add(ref at, 128));
        t3.GetLower().StoreUnsafe(ref Unsafe.Add(ref at, 192));
        t0.GetUpper().StoreUnsafe(ref Unsafe.Add(ref at, 256));
        t1.GetUpper().StoreUnsafe(ref Unsafe.Add(ref at, 320));
        t2.GetUpper().StoreUnsafe(ref Unsafe.Add(ref at, 384));
        t3.GetUpper().StoreUnsafe(ref Unsafe.Add(ref at, 448));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Word(ref byte source, int offset) => Vector256.Create(BinaryPrimitives.ReadUInt32LittleEndian(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, offset), 4)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate16(Vector256<uint> value, Vector256<byte> shuffle) => Avx2.Shuffle(value.AsByte(), shuffle).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate8(Vector256<uint> value, Vector256<byte> shuffle) => Avx2.Shuffle(value.AsByte(), shuffle).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate12(Vector256<uint> value) => Avx2.ShiftLeftLogical(value, 12) | Avx2.ShiftRightLogical(value, 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate7(Vector256<uint> value) => Avx2.ShiftLeftLogical(value, 7) | Avx2.ShiftRightLogical(value, 25);

    /// <summary>Four rows of eight lanes, kept in memory on purpose.</summary>
    [InlineArray(4)]
    private struct Rows
    {
        private Vector256<uint> _row;
    }
}
