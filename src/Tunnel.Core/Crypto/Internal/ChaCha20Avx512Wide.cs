using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// ChaCha20 (RFC 8439 section 2.3) thirty-two blocks at a time with AVX-512: two sets of
/// <see cref="ChaCha20Avx512"/>'s sixteen, their rounds interleaved step by step. One set runs at the latency of
/// its quarter rounds' chain of dependent instructions, not at the vector units' throughput; the second set's
/// independent instructions fill the gaps, so thirty-two blocks cost about 1.3 times sixteen, not twice
/// (<c>ChaCha20StepBenchmarks</c>). A 1,420-byte packet's twenty-three blocks then take one step instead of
/// two. The thirty-two state rows take every AVX-512 register. Constant-time: no branch or index depends on
/// the key, the nonce or the data.
/// </summary>
internal readonly struct ChaCha20Avx512Wide : IChaCha20Steps
{
    /// <summary>The bytes of key stream one call produces.</summary>
    public const int ChunkSize = 2048;

    /// <summary>Gets whether this CPU can run it.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <inheritdoc/>
    static int IChaCha20Steps.ChunkSize => ChunkSize;

    /// <inheritdoc/>
    static bool IChaCha20Steps.Poly1305Vector512 => true;

    /// <summary>Writes the 2,048 bytes of key stream of blocks <paramref name="counter"/> to <paramref name="counter"/> + 31 to <paramref name="keyStream"/>.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void KeyStream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, uint counter, ref byte keyStream)
    {
        ref byte k = ref MemoryMarshal.GetReference(key);
        ref byte n = ref MemoryMarshal.GetReference(nonce);
        Vector512<uint> x0 = Vector512.Create(0x61707865u), x1 = Vector512.Create(0x3320646eu), x2 = Vector512.Create(0x79622d32u), x3 = Vector512.Create(0x6b206574u);
        Vector512<uint> x4 = Word(ref k, 0), x5 = Word(ref k, 4), x6 = Word(ref k, 8), x7 = Word(ref k, 12);
        Vector512<uint> x8 = Word(ref k, 16), x9 = Word(ref k, 20), x10 = Word(ref k, 24), x11 = Word(ref k, 28);
        Vector512<uint> x12 = Counters(counter);
        Vector512<uint> x13 = Word(ref n, 0), x14 = Word(ref n, 4), x15 = Word(ref n, 8);
        Vector512<uint> y0 = Vector512.Create(0x61707865u), y1 = Vector512.Create(0x3320646eu), y2 = Vector512.Create(0x79622d32u), y3 = Vector512.Create(0x6b206574u);
        Vector512<uint> y4 = Word(ref k, 0), y5 = Word(ref k, 4), y6 = Word(ref k, 8), y7 = Word(ref k, 12);
        Vector512<uint> y8 = Word(ref k, 16), y9 = Word(ref k, 20), y10 = Word(ref k, 24), y11 = Word(ref k, 28);
        Vector512<uint> y12 = Counters(counter + 16);
        Vector512<uint> y13 = Word(ref n, 0), y14 = Word(ref n, 4), y15 = Word(ref n, 8);

        // The two sets' steps alternate: each set alone is a chain of dependent steps that leaves the vector
        // units idle between them, and the other set's steps fill those gaps.
        for (int round = 0; round < 10; round++)
        {
            // Columns, then diagonals, as in ChaCha20Avx512: set x's four chains, then set y's, step by step.
            x0 += x4; x1 += x5; x2 += x6; x3 += x7;
            y0 += y4; y1 += y5; y2 += y6; y3 += y7;
            x12 = Rotate(x12 ^ x0, 16); x13 = Rotate(x13 ^ x1, 16); x14 = Rotate(x14 ^ x2, 16); x15 = Rotate(x15 ^ x3, 16);
            y12 = Rotate(y12 ^ y0, 16); y13 = Rotate(y13 ^ y1, 16); y14 = Rotate(y14 ^ y2, 16); y15 = Rotate(y15 ^ y3, 16);
            x8 += x12; x9 += x13; x10 += x14; x11 += x15;
            y8 += y12; y9 += y13; y10 += y14; y11 += y15;
            x4 = Rotate(x4 ^ x8, 12); x5 = Rotate(x5 ^ x9, 12); x6 = Rotate(x6 ^ x10, 12); x7 = Rotate(x7 ^ x11, 12);
            y4 = Rotate(y4 ^ y8, 12); y5 = Rotate(y5 ^ y9, 12); y6 = Rotate(y6 ^ y10, 12); y7 = Rotate(y7 ^ y11, 12);
            x0 += x4; x1 += x5; x2 += x6; x3 += x7;
            y0 += y4; y1 += y5; y2 += y6; y3 += y7;
            x12 = Rotate(x12 ^ x0, 8); x13 = Rotate(x13 ^ x1, 8); x14 = Rotate(x14 ^ x2, 8); x15 = Rotate(x15 ^ x3, 8);
            y12 = Rotate(y12 ^ y0, 8); y13 = Rotate(y13 ^ y1, 8); y14 = Rotate(y14 ^ y2, 8); y15 = Rotate(y15 ^ y3, 8);
            x8 += x12; x9 += x13; x10 += x14; x11 += x15;
            y8 += y12; y9 += y13; y10 += y14; y11 += y15;
            x4 = Rotate(x4 ^ x8, 7); x5 = Rotate(x5 ^ x9, 7); x6 = Rotate(x6 ^ x10, 7); x7 = Rotate(x7 ^ x11, 7);
            y4 = Rotate(y4 ^ y8, 7); y5 = Rotate(y5 ^ y9, 7); y6 = Rotate(y6 ^ y10, 7); y7 = Rotate(y7 ^ y11, 7);

            x0 += x5; x1 += x6; x2 += x7; x3 += x4;
            y0 += y5; y1 += y6; y2 += y7; y3 += y4;
            x15 = Rotate(x15 ^ x0, 16); x12 = Rotate(x12 ^ x1, 16); x13 = Rotate(x13 ^ x2, 16); x14 = Rotate(x14 ^ x3, 16);
            y15 = Rotate(y15 ^ y0, 16); y12 = Rotate(y12 ^ y1, 16); y13 = Rotate(y13 ^ y2, 16); y14 = Rotate(y14 ^ y3, 16);
            x10 += x15; x11 += x12; x8 += x13; x9 += x14;
            y10 += y15; y11 += y12; y8 += y13; y9 += y14;
            x5 = Rotate(x5 ^ x10, 12); x6 = Rotate(x6 ^ x11, 12); x7 = Rotate(x7 ^ x8, 12); x4 = Rotate(x4 ^ x9, 12);
            y5 = Rotate(y5 ^ y10, 12); y6 = Rotate(y6 ^ y11, 12); y7 = Rotate(y7 ^ y8, 12); y4 = Rotate(y4 ^ y9, 12);
            x0 += x5; x1 += x6; x2 += x7; x3 += x4;
            y0 += y5; y1 += y6; y2 += y7; y3 += y4;
            x15 = Rotate(x15 ^ x0, 8); x12 = Rotate(x12 ^ x1, 8); x13 = Rotate(x13 ^ x2, 8); x14 = Rotate(x14 ^ x3, 8);
            y15 = Rotate(y15 ^ y0, 8); y12 = Rotate(y12 ^ y1, 8); y13 = Rotate(y13 ^ y2, 8); y14 = Rotate(y14 ^ y3, 8);
            x10 += x15; x11 += x12; x8 += x13; x9 += x14;
            y10 += y15; y11 += y12; y8 += y13; y9 += y14;
            x5 = Rotate(x5 ^ x10, 7); x6 = Rotate(x6 ^ x11, 7); x7 = Rotate(x7 ^ x8, 7); x4 = Rotate(x4 ^ x9, 7);
            y5 = Rotate(y5 ^ y10, 7); y6 = Rotate(y6 ^ y11, 7); y7 = Rotate(y7 ^ y8, 7); y4 = Rotate(y4 ^ y9, 7);
        }

        // As in ChaCha20Avx512, the inputs are added back from their sources: thirty-two more live registers would spill.
        x0 += Vector512.Create(0x61707865u); x1 += Vector512.Create(0x3320646eu); x2 += Vector512.Create(0x79622d32u); x3 += Vector512.Create(0x6b206574u);
        x4 += Word(ref k, 0); x5 += Word(ref k, 4); x6 += Word(ref k, 8); x7 += Word(ref k, 12);
        x8 += Word(ref k, 16); x9 += Word(ref k, 20); x10 += Word(ref k, 24); x11 += Word(ref k, 28);
        x12 += Counters(counter); x13 += Word(ref n, 0); x14 += Word(ref n, 4); x15 += Word(ref n, 8);
        y0 += Vector512.Create(0x61707865u); y1 += Vector512.Create(0x3320646eu); y2 += Vector512.Create(0x79622d32u); y3 += Vector512.Create(0x6b206574u);
        y4 += Word(ref k, 0); y5 += Word(ref k, 4); y6 += Word(ref k, 8); y7 += Word(ref k, 12);
        y8 += Word(ref k, 16); y9 += Word(ref k, 20); y10 += Word(ref k, 24); y11 += Word(ref k, 28);
        y12 += Counters(counter + 16); y13 += Word(ref n, 0); y14 += Word(ref n, 4); y15 += Word(ref n, 8);
        ChaCha20Avx512.Store(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, ref keyStream);
        ChaCha20Avx512.Store(y0, y1, y2, y3, y4, y5, y6, y7, y8, y9, y10, y11, y12, y13, y14, y15, ref Unsafe.Add(ref keyStream, 1024));
    }

    /// <summary>XORs <paramref name="length"/> bytes (a multiple of 64, at most 2,048) of <paramref name="keyStream"/> into output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xor(ref byte keyStream, ref byte input, ref byte output, int length) => ChaCha20Avx512.Xor(ref keyStream, ref input, ref output, length);

    /// <inheritdoc/>
    static void IChaCha20Steps.Xor(ref byte keyStream, ref byte input, ref byte output, int length) => Xor(ref keyStream, ref input, ref output, length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Counters(uint first) => Vector512.Create(first) + Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Word(ref byte source, int offset) => Vector512.Create(BinaryPrimitives.ReadUInt32LittleEndian(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, offset), 4)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Rotate(Vector512<uint> value, [ConstantExpected] byte count) => Avx512F.RotateLeft(value, count);
}
