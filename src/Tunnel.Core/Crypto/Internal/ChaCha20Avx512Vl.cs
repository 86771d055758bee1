using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// ChaCha20 (RFC 8439 section 2.3) eight blocks at a time in 256-bit registers with AVX-512VL: the
/// <see cref="ChaCha20Avx2Wide"/> layout with AVX-512's thirty-two registers (no row kept in memory) and its
/// rotate instruction. Where AVX-512 runs, it makes the parts of a message too short for a step of
/// <see cref="ChaCha20Avx512"/>'s sixteen blocks: on CPUs that run 512-bit instructions as two 256-bit
/// halves, eight blocks cost about half of sixteen. Constant-time: no branch or index depends on the key,
/// the nonce or the data.
/// </summary>
internal readonly struct ChaCha20Avx512Vl : IChaCha20Steps
{
    /// <summary>The bytes of key stream one call produces.</summary>
    public const int ChunkSize = 512;

    /// <summary>Gets whether this CPU can run it.</summary>
    public static bool IsSupported => Avx512F.VL.IsSupported;

    /// <inheritdoc/>
    static int IChaCha20Steps.ChunkSize => ChunkSize;

    /// <inheritdoc/>
    static bool IChaCha20Steps.Poly1305Vector512 => true;


    /// <summary>Writes the 512 bytes of key stream of blocks <paramref name="counter"/> to <paramref name="counter"/> + 7 to <paramref name="keyStream"/>.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void KeyStream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, uint counter, ref byte keyStream)
    {
        ref byte k = ref MemoryMarshal.GetReference(key);
        ref byte n = ref MemoryMarshal.GetReference(nonce);
        Vector256<uint> x0 = Vector256.Create(0x61707865u), x1 = Vector256.Create(0x3320646eu), x2 = Vector256.Create(0x79622d32u), x3 = Vector256.Create(0x6b206574u);
        Vector256<uint> x4 = Word(ref k, 0), x5 = Word(ref k, 4), x6 = Word(ref k, 8), x7 = Word(ref k, 12);
        Vector256<uint> x8 = Word(ref k, 16), x9 = Word(ref k, 20), x10 = Word(ref k, 24), x11 = Word(ref k, 28);
        Vector256<uint> counters = Vector256.Create(counter) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        Vector256<uint> x12 = counters;
        Vector256<uint> x13 = Word(ref n, 0), x14 = Word(ref n, 4), x15 = Word(ref n, 8);

        for (int round = 0; round < 10; round++)
        {
            // Columns: (0, 4, 8, 12) (1, 5, 9, 13) (2, 6, 10, 14) (3, 7, 11, 15), step by step, four chains side by side.
            x0 += x4; x1 += x5; x2 += x6; x3 += x7;
            x12 = Rotate(x12 ^ x0, 16); x13 = Rotate(x13 ^ x1, 16); x14 = Rotate(x14 ^ x2, 16); x15 = Rotate(x15 ^ x3, 16);
            x8 += x12; x9 += x13; x10 += x14; x11 += x15;
            x4 = Rotate(x4 ^ x8, 12); x5 = Rotate(x5 ^ x9, 12); x6 = Rotate(x6 ^ x10, 12); x7 = Rotate(x7 ^ x11, 12);
            x0 += x4; x1 += x5; x2 += x6; x3 += x7;
            x12 = Rotate(x12 ^ x0, 8); x13 = Rotate(x13 ^ x1, 8); x14 = Rotate(x14 ^ x2, 8); x15 = Rotate(x15 ^ x3, 8);
            x8 += x12; x9 += x13; x10 += x14; x11 += x15;
            x4 = Rotate(x4 ^ x8, 7); x5 = Rotate(x5 ^ x9, 7); x6 = Rotate(x6 ^ x10, 7); x7 = Rotate(x7 ^ x11, 7);

            // Diagonals: (0, 5, 10, 15) (1, 6, 11, 12) (2, 7, 8, 13) (3, 4, 9, 14).
            x0 += x5; x1 += x6; x2 += x7; x3 += x4;
            x15 = Rotate(x15 ^ x0, 16); x12 = Rotate(x12 ^ x1, 16); x13 = Rotate(x13 ^ x2, 16); x14 = Rotate(x14 ^ x3, 16);
            x10 += x15; x11 += x12; x8 += x13; x9 += x14;
            x5 = Rotate(x5 ^ x10, 12); x6 = Rotate(x6 ^ x11, 12); x7 = Rotate(x7 ^ x8, 12); x4 = Rotate(x4 ^ x9, 12);
            x0 += x5; x1 += x6; x2 += x7; x3 += x4;
            x15 = Rotate(x15 ^ x0, 8); x12 = Rotate(x12 ^ x1, 8); x13 = Rotate(x13 ^ x2, 8); x14 = Rotate(x14 ^ x3, 8);
            x10 += x15; x11 += x12; x8 += x13; x9 += x14;
            x5 = Rotate(x5 ^ x10, 7); x6 = Rotate(x6 ^ x11, 7); x7 = Rotate(x7 ^ x8, 7); x4 = Rotate(x4 ^ x9, 7);
        }

        // The inputs are added back from their sources rather than kept: sixteen more live registers would spill.
        x0 += Vector256.Create(0x61707865u); x1 += Vector256.Create(0x3320646eu); x2 += Vector256.Create(0x79622d32u); x3 += Vector256.Create(0x6b206574u);
        x4 += Word(ref k, 0); x5 += Word(ref k, 4); x6 += Word(ref k, 8); x7 += Word(ref k, 12);
        x8 += Word(ref k, 16); x9 += Word(ref k, 20); x10 += Word(ref k, 24); x11 += Word(ref k, 28);
        x12 += counters; x13 += Word(ref n, 0); x14 += Word(ref n, 4); x15 += Word(ref n, 8);

        ChaCha20Avx2Wide.Store(x0, x1, x2, x3, ref keyStream, 0);
        ChaCha20Avx2Wide.Store(x4, x5, x6, x7, ref keyStream, 16);
        ChaCha20Avx2Wide.Store(x8, x9, x10, x11, ref keyStream, 32);
        ChaCha20Avx2Wide.Store(x12, x13, x14, x15, ref keyStream, 48);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Word(ref byte source, int offset) => Vector256.Create(BinaryPrimitives.ReadUInt32LittleEndian(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, offset), 4)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate(Vector256<uint> value, [ConstantExpected] byte count) => Avx512F.VL.RotateLeft(value, count);
}
