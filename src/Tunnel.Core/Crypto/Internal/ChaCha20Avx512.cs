using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// ChaCha20 (RFC 8439 section 2.3) sixteen blocks at a time with AVX-512: one state word per 512-bit register
/// across the sixteen blocks, as <see cref="ChaCha20Avx2Wide"/> does with eight. AVX-512 brings what the AVX2
/// form lacks: thirty-two registers, so the sixteen rows never spill, and a rotate instruction
/// (<c>vprold</c>), so each of the four rotations of a quarter round is one instruction instead of a shuffle
/// or two shifts and an OR. Constant-time: no branch or index depends on the key, the nonce or the data.
/// </summary>
internal readonly struct ChaCha20Avx512 : IChaCha20Steps
{
    /// <summary>The bytes of key stream one call produces.</summary>
    public const int ChunkSize = 1024;

    /// <summary>Gets whether this CPU can run it.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <inheritdoc/>
    static int IChaCha20Steps.ChunkSize => ChunkSize;

    /// <inheritdoc/>
    static bool IChaCha20Steps.Poly1305Vector512 => true;

    /// <summary>Writes the 1,024 bytes of key stream of blocks <paramref name="counter"/> to <paramref name="counter"/> + 15 to <paramref name="keyStream"/>.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void KeyStream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, uint counter, ref byte keyStream)
    {
        ref byte k = ref MemoryMarshal.GetReference(key);
        ref byte n = ref MemoryMarshal.GetReference(nonce);
        Initialize(ref k, ref n, counter, out Vector512<uint> x0, out Vector512<uint> x1, out Vector512<uint> x2, out Vector512<uint> x3, out Vector512<uint> x4, out Vector512<uint> x5, out Vector512<uint> x6, out Vector512<uint> x7, out Vector512<uint> x8, out Vector512<uint> x9, out Vector512<uint> x10, out Vector512<uint> x11, out Vector512<uint> x12, out Vector512<uint> x13, out Vector512<uint> x14, out Vector512<uint> x15);
        for (int round = 0; round < 10; round++)
        {
            ColumnRound(ref x0, ref x1, ref x2, ref x3, ref x4, ref x5, ref x6, ref x7, ref x8, ref x9, ref x10, ref x11, ref x12, ref x13, ref x14, ref x15);
            DiagonalRound(ref x0, ref x1, ref x2, ref x3, ref x4, ref x5, ref x6, ref x7, ref x8, ref x9, ref x10, ref x11, ref x12, ref x13, ref x14, ref x15);
        }

        AddInput(ref k, ref n, counter, ref x0, ref x1, ref x2, ref x3, ref x4, ref x5, ref x6, ref x7, ref x8, ref x9, ref x10, ref x11, ref x12, ref x13, ref x14, ref x15);
        Store(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, ref keyStream);
    }

    /// <summary>The state rows of blocks <paramref name="counter"/> to <paramref name="counter"/> + 15: row i of block j in lane j of <paramref name="x0"/> to <paramref name="x15"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Initialize(ref byte k, ref byte n, uint counter, out Vector512<uint> x0, out Vector512<uint> x1, out Vector512<uint> x2, out Vector512<uint> x3, out Vector512<uint> x4, out Vector512<uint> x5, out Vector512<uint> x6, out Vector512<uint> x7, out Vector512<uint> x8, out Vector512<uint> x9, out Vector512<uint> x10, out Vector512<uint> x11, out Vector512<uint> x12, out Vector512<uint> x13, out Vector512<uint> x14, out Vector512<uint> x15)
    {
        x0 = Vector512.Create(0x61707865u);
        x1 = Vector512.Create(0x3320646eu);
        x2 = Vector512.Create(0x79622d32u);
        x3 = Vector512.Create(0x6b206574u);
        x4 = Word(ref k, 0);
        x5 = Word(ref k, 4);
        x6 = Word(ref k, 8);
        x7 = Word(ref k, 12);
        x8 = Word(ref k, 16);
        x9 = Word(ref k, 20);
        x10 = Word(ref k, 24);
        x11 = Word(ref k, 28);
        x12 = Counters(counter);
        x13 = Word(ref n, 0);
        x14 = Word(ref n, 4);
        x15 = Word(ref n, 8);
    }

    /// <summary>
    /// Adds the input rows back after the rounds. They are made again from their sources rather than kept:
    /// sixteen more live registers would spill.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddInput(ref byte k, ref byte n, uint counter, ref Vector512<uint> x0, ref Vector512<uint> x1, ref Vector512<uint> x2, ref Vector512<uint> x3, ref Vector512<uint> x4, ref Vector512<uint> x5, ref Vector512<uint> x6, ref Vector512<uint> x7, ref Vector512<uint> x8, ref Vector512<uint> x9, ref Vector512<uint> x10, ref Vector512<uint> x11, ref Vector512<uint> x12, ref Vector512<uint> x13, ref Vector512<uint> x14, ref Vector512<uint> x15)
    {
        x0 += Vector512.Create(0x61707865u); x1 += Vector512.Create(0x3320646eu); x2 += Vector512.Create(0x79622d32u); x3 += Vector512.Create(0x6b206574u);
        x4 += Word(ref k, 0); x5 += Word(ref k, 4); x6 += Word(ref k, 8); x7 += Word(ref k, 12);
        x8 += Word(ref k, 16); x9 += Word(ref k, 20); x10 += Word(ref k, 24); x11 += Word(ref k, 28);
        x12 += Counters(counter); x13 += Word(ref n, 0); x14 += Word(ref n, 4); x15 += Word(ref n, 8);
    }

    /// <summary>The column round: (0, 4, 8, 12) (1, 5, 9, 13) (2, 6, 10, 14) (3, 7, 11, 15), step by step, four chains side by side.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ColumnRound(ref Vector512<uint> x0, ref Vector512<uint> x1, ref Vector512<uint> x2, ref Vector512<uint> x3, ref Vector512<uint> x4, ref Vector512<uint> x5, ref Vector512<uint> x6, ref Vector512<uint> x7, ref Vector512<uint> x8, ref Vector512<uint> x9, ref Vector512<uint> x10, ref Vector512<uint> x11, ref Vector512<uint> x12, ref Vector512<uint> x13, ref Vector512<uint> x14, ref Vector512<uint> x15)
    {
        x0 += x4; x1 += x5; x2 += x6; x3 += x7;
        x12 = Rotate(x12 ^ x0, 16); x13 = Rotate(x13 ^ x1, 16); x14 = Rotate(x14 ^ x2, 16); x15 = Rotate(x15 ^ x3, 16);
        x8 += x12; x9 += x13; x10 += x14; x11 += x15;
        x4 = Rotate(x4 ^ x8, 12); x5 = Rotate(x5 ^ x9, 12); x6 = Rotate(x6 ^ x10, 12); x7 = Rotate(x7 ^ x11, 12);
        x0 += x4; x1 += x5; x2 += x6; x3 += x7;
        x12 = Rotate(x12 ^ x0, 8); x13 = Rotate(x13 ^ x1, 8); x14 = Rotate(x14 ^ x2, 8); x15 = Rotate(x15 ^ x3, 8);
        x8 += x12; x9 += x13; x10 += x14; x11 += x15;
        x4 = Rotate(x4 ^ x8, 7); x5 = Rotate(x5 ^ x9, 7); x6 = Rotate(x6 ^ x10, 7); x7 = Rotate(x7 ^ x11, 7);
    }

    /// <summary>The diagonal round: (0, 5, 10, 15) (1, 6, 11, 12) (2, 7, 8, 13) (3, 4, 9, 14).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DiagonalRound(ref Vector512<uint> x0, ref Vector512<uint> x1, ref Vector512<uint> x2, ref Vector512<uint> x3, ref Vector512<uint> x4, ref Vector512<uint> x5, ref Vector512<uint> x6, ref Vector512<uint> x7, ref Vector512<uint> x8, ref Vector512<uint> x9, ref Vector512<uint> x10, ref Vector512<uint> x11, ref Vector512<uint> x12, ref Vector512<uint> x13, ref Vector512<uint> x14, ref Vector512<uint> x15)
    {
        x0 += x5; x1 += x6; x2 += x7; x3 += x4;
        x15 = Rotate(x15 ^ x0, 16); x12 = Rotate(x12 ^ x1, 16); x13 = Rotate(x13 ^ x2, 16); x14 = Rotate(x14 ^ x3, 16);
        x10 += x15; x11 += x12; x8 += x13; x9 += x14;
        x5 = Rotate(x5 ^ x10, 12); x6 = Rotate(x6 ^ x11, 12); x7 = Rotate(x7 ^ x8, 12); x4 = Rotate(x4 ^ x9, 12);
        x0 += x5; x1 += x6; x2 += x7; x3 += x4;
        x15 = Rotate(x15 ^ x0, 8); x12 = Rotate(x12 ^ x1, 8); x13 = Rotate(x13 ^ x2, 8); x14 = Rotate(x14 ^ x3, 8);
        x10 += x15; x11 += x12; x8 += x13; x9 += x14;
        x5 = Rotate(x5 ^ x10, 7); x6 = Rotate(x6 ^ x11, 7); x7 = Rotate(x7 ^ x8, 7); x4 = Rotate(x4 ^ x9, 7);
    }

    /// <summary>XORs <paramref name="length"/> bytes (a multiple of 64, at most 1,024) of <paramref name="keyStream"/> into output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xor(ref byte keyStream, ref byte input, ref byte output, int length)
    {
        for (int i = 0; i < length; i += 64)
        {
            (Vector512.LoadUnsafe(ref Unsafe.Add(ref input, i)) ^ Vector512.LoadUnsafe(ref Unsafe.Add(ref keyStream, i))).StoreUnsafe(ref Unsafe.Add(ref output, i));
        }
    }

    /// <inheritdoc/>
    static void IChaCha20Steps.Xor(ref byte keyStream, ref byte input, ref byte output, int length) => Xor(ref keyStream, ref input, ref output, length);

    /// <summary>Writes the sixteen blocks whose state words <paramref name="x0"/> to <paramref name="x15"/> hold, lane by lane, in block order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(
        Vector512<uint> x0, Vector512<uint> x1, Vector512<uint> x2, Vector512<uint> x3, Vector512<uint> x4, Vector512<uint> x5, Vector512<uint> x6, Vector512<uint> x7,
        Vector512<uint> x8, Vector512<uint> x9, Vector512<uint> x10, Vector512<uint> x11, Vector512<uint> x12, Vector512<uint> x13, Vector512<uint> x14, Vector512<uint> x15,
        ref byte keyStream)
    {
        // Each group of four words is transposed within 128-bit lanes: vector k of group g then holds, in lane L,
        // words 4g to 4g + 3 of block 4L + k. The lanes of the four groups' vector k are then transposed too.
        Transpose4(ref x0, ref x1, ref x2, ref x3);
        Transpose4(ref x4, ref x5, ref x6, ref x7);
        Transpose4(ref x8, ref x9, ref x10, ref x11);
        Transpose4(ref x12, ref x13, ref x14, ref x15);
        StoreBlocks(x0, x4, x8, x12, ref keyStream);
        StoreBlocks(x1, x5, x9, x13, ref Unsafe.Add(ref keyStream, 64));
        StoreBlocks(x2, x6, x10, x14, ref Unsafe.Add(ref keyStream, 128));
        StoreBlocks(x3, x7, x11, x15, ref Unsafe.Add(ref keyStream, 192));
    }

    /// <summary>A 4x4 transpose of 32-bit words within each 128-bit lane of the four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(ref Vector512<uint> a, ref Vector512<uint> b, ref Vector512<uint> c, ref Vector512<uint> d)
    {
        Vector512<ulong> ab0 = Avx512F.UnpackLow(a, b).AsUInt64(), ab1 = Avx512F.UnpackHigh(a, b).AsUInt64();
        Vector512<ulong> cd0 = Avx512F.UnpackLow(c, d).AsUInt64(), cd1 = Avx512F.UnpackHigh(c, d).AsUInt64();
        a = Avx512F.UnpackLow(ab0, cd0).AsUInt32();
        b = Avx512F.UnpackHigh(ab0, cd0).AsUInt32();
        c = Avx512F.UnpackLow(ab1, cd1).AsUInt32();
        d = Avx512F.UnpackHigh(ab1, cd1).AsUInt32();
    }

    /// <summary>
    /// Writes blocks k, 4 + k, 8 + k and 12 + k, given the four groups' vector k: lane L of each becomes a
    /// quarter of block 4L + k. <paramref name="blocks"/> is block k's place; the others follow 256 bytes apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBlocks(Vector512<uint> g0, Vector512<uint> g1, Vector512<uint> g2, Vector512<uint> g3, ref byte blocks)
    {
        // Lanes 0 and 1 of each, then lanes 2 and 3: u0 = [g0.0, g0.1, g1.0, g1.1], and so on.
        Vector512<uint> u0 = Avx512F.Shuffle4x128(g0, g1, 0b01_00_01_00), u1 = Avx512F.Shuffle4x128(g0, g1, 0b11_10_11_10);
        Vector512<uint> u2 = Avx512F.Shuffle4x128(g2, g3, 0b01_00_01_00), u3 = Avx512F.Shuffle4x128(g2, g3, 0b11_10_11_10);
        Avx512F.Shuffle4x128(u0, u2, 0b10_00_10_00).AsByte().StoreUnsafe(ref blocks);
        Avx512F.Shuffle4x128(u0, u2, 0b11_01_11_01).AsByte().StoreUnsafe(ref Unsafe.Add(ref blocks, 256));
        Avx512F.Shuffle4x128(u1, u3, 0b10_00_10_00).AsByte().StoreUnsafe(ref Unsafe.Add(ref blocks, 512));
        Avx512F.Shuffle4x128(u1, u3, 0b11_01_11_01).AsByte().StoreUnsafe(ref Unsafe.Add(ref blocks, 768));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Counters(uint first) => Vector512.Create(first) + Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Word(ref byte source, int offset) => Vector512.Create(BinaryPrimitives.ReadUInt32LittleEndian(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, offset), 4)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Rotate(Vector512<uint> value, [ConstantExpected] byte count) => Avx512F.RotateLeft(value, count);
}
