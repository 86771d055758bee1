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
        ChaCha20Avx512.Initialize(ref k, ref n, counter, out Vector512<uint> x0, out Vector512<uint> x1, out Vector512<uint> x2, out Vector512<uint> x3, out Vector512<uint> x4, out Vector512<uint> x5, out Vector512<uint> x6, out Vector512<uint> x7, out Vector512<uint> x8, out Vector512<uint> x9, out Vector512<uint> x10, out Vector512<uint> x11, out Vector512<uint> x12, out Vector512<uint> x13, out Vector512<uint> x14, out Vector512<uint> x15);
        ChaCha20Avx512.Initialize(ref k, ref n, counter + 16, out Vector512<uint> y0, out Vector512<uint> y1, out Vector512<uint> y2, out Vector512<uint> y3, out Vector512<uint> y4, out Vector512<uint> y5, out Vector512<uint> y6, out Vector512<uint> y7, out Vector512<uint> y8, out Vector512<uint> y9, out Vector512<uint> y10, out Vector512<uint> y11, out Vector512<uint> y12, out Vector512<uint> y13, out Vector512<uint> y14, out Vector512<uint> y15);

        // The two sets' half rounds alternate: each set alone is a chain of dependent steps that leaves the
        // vector units idle between them, and the other set's steps fill those gaps.
        for (int round = 0; round < 10; round++)
        {
            ChaCha20Avx512.ColumnRound(ref x0, ref x1, ref x2, ref x3, ref x4, ref x5, ref x6, ref x7, ref x8, ref x9, ref x10, ref x11, ref x12, ref x13, ref x14, ref x15);
            ChaCha20Avx512.ColumnRound(ref y0, ref y1, ref y2, ref y3, ref y4, ref y5, ref y6, ref y7, ref y8, ref y9, ref y10, ref y11, ref y12, ref y13, ref y14, ref y15);
            ChaCha20Avx512.DiagonalRound(ref x0, ref x1, ref x2, ref x3, ref x4, ref x5, ref x6, ref x7, ref x8, ref x9, ref x10, ref x11, ref x12, ref x13, ref x14, ref x15);
            ChaCha20Avx512.DiagonalRound(ref y0, ref y1, ref y2, ref y3, ref y4, ref y5, ref y6, ref y7, ref y8, ref y9, ref y10, ref y11, ref y12, ref y13, ref y14, ref y15);
        }

        ChaCha20Avx512.AddInput(ref k, ref n, counter, ref x0, ref x1, ref x2, ref x3, ref x4, ref x5, ref x6, ref x7, ref x8, ref x9, ref x10, ref x11, ref x12, ref x13, ref x14, ref x15);
        ChaCha20Avx512.AddInput(ref k, ref n, counter + 16, ref y0, ref y1, ref y2, ref y3, ref y4, ref y5, ref y6, ref y7, ref y8, ref y9, ref y10, ref y11, ref y12, ref y13, ref y14, ref y15);
        ChaCha20Avx512.Store(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, ref keyStream);
        ChaCha20Avx512.Store(y0, y1, y2, y3, y4, y5, y6, y7, y8, y9, y10, y11, y12, y13, y14, y15, ref Unsafe.Add(ref keyStream, 1024));
    }

    /// <summary>XORs <paramref name="length"/> bytes (a multiple of 64, at most 2,048) of <paramref name="keyStream"/> into output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xor(ref byte keyStream, ref byte input, ref byte output, int length) => ChaCha20Avx512.Xor(ref keyStream, ref input, ref output, length);

    /// <inheritdoc/>
    static void IChaCha20Steps.Xor(ref byte keyStream, ref byte input, ref byte output, int length) => Xor(ref keyStream, ref input, ref output, length);
}
