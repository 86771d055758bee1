using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// ChaCha20-Poly1305 (RFC 8439 section 2.8) in managed code, with a detached tag like libsodium's
/// <c>_detached</c> calls, in place or out of place. Messages of <see cref="WideThreshold"/> bytes or more
/// run on a wide key-stream generator (<see cref="IChaCha20Steps"/>, block 0's first 32 bytes being the
/// Poly1305 key): <see cref="ChaCha20Avx2Wide"/>'s eight blocks per step, or where the CPU has AVX-512,
/// <see cref="ChaCha20Avx512Wide"/>'s thirty-two from <see cref="Avx512WideThreshold"/> bytes on,
/// <see cref="ChaCha20Avx512"/>'s sixteen from <see cref="Avx512Threshold"/> bytes on and
/// <see cref="ChaCha20Avx512Vl"/>'s eight below it; the last part takes the narrowest step that covers it.
/// Shorter ones run on <see cref="ChaCha20Avx2"/>, which makes two or four blocks at a time.
/// <see cref="Poly1305"/> takes four blocks at a time on long messages, sixteen (two accumulators of eight
/// lanes) on the AVX-512 paths. Where it runs it equals libsodium byte for byte (the tests hold every path to
/// that).
/// </summary>
/// <remarks>
/// The entry points and their helpers are compiled fully optimized at first use
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>), without tiering or dynamic PGO: with them, the
/// profile of a run of 512-byte opens produced a <see cref="TryOpen"/> that took 1.86 us instead of 1.11
/// (<c>ChaCha20Poly1305Benchmarks.Open_ManagedAvx2</c>). Native AOT compiles them that way anyway.
/// </remarks>
internal static class ManagedChaCha20Poly1305
{
    /// <summary>The shortest message that takes a wide path.</summary>
    public const int WideThreshold = 193;

    /// <summary>
    /// The shortest message that takes sixteen blocks per step where AVX-512 runs: below it, the key block and
    /// the message fit in one step of eight, and sixteen would make blocks it does not use.
    /// </summary>
    public const int Avx512Threshold = ChaCha20Avx512Vl.ChunkSize - 64 + 1;

    /// <summary>
    /// The shortest message that takes thirty-two blocks per step where AVX-512 runs: from it on, the key block
    /// and the message no longer fit in one step of sixteen, and one step of thirty-two costs less than two of
    /// sixteen (a 1,420-byte packet is twenty-three blocks).
    /// </summary>
    public const int Avx512WideThreshold = ChaCha20Avx512.ChunkSize - 64 + 1;

    /// <summary>The longest last part that two or four blocks encrypt, rather than eight.</summary>
    private const int ShortTail = 192;

    /// <summary>Whether this CPU can run it.</summary>
    public static bool IsSupported => ChaCha20Avx2.IsSupported && ChaCha20Avx2Wide.IsSupported;

    /// <summary>Whether long messages run sixteen blocks per step: the CPU has AVX-512 and <see cref="ChaCha20Poly1305.DisableAvx512Switch"/> is off. Read once.</summary>
    public static bool UsesAvx512 { get; } = SelectsAvx512();

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length, may be the same memory) and writes the tag, on the widest path this process uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        if (!UsesAvx512)
        {
            Seal<ChaCha20Avx2Wide>(key, nonce, plaintext, ciphertext, tag, associatedData);
        }
        else if (plaintext.Length >= Avx512WideThreshold)
        {
            Seal<ChaCha20Avx512Wide>(key, nonce, plaintext, ciphertext, tag, associatedData);
        }
        else if (plaintext.Length >= Avx512Threshold)
        {
            Seal<ChaCha20Avx512>(key, nonce, plaintext, ciphertext, tag, associatedData);
        }
        else
        {
            Seal<ChaCha20Avx512Vl>(key, nonce, plaintext, ciphertext, tag, associatedData);
        }
    }

    /// <summary>Checks the tag, then decrypts (same length, may be the same memory), on the widest path this process uses; on failure writes nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData) =>
        !UsesAvx512 ? TryOpen<ChaCha20Avx2Wide>(key, nonce, ciphertext, tag, plaintext, associatedData)
        : ciphertext.Length >= Avx512WideThreshold ? TryOpen<ChaCha20Avx512Wide>(key, nonce, ciphertext, tag, plaintext, associatedData)
        : ciphertext.Length >= Avx512Threshold ? TryOpen<ChaCha20Avx512>(key, nonce, ciphertext, tag, plaintext, associatedData)
        : TryOpen<ChaCha20Avx512Vl>(key, nonce, ciphertext, tag, plaintext, associatedData);

    /// <summary>Whether AVX-512 runs here: the CPU has it and the switch does not keep AVX2.</summary>
    internal static bool SelectsAvx512() =>
        IsSupported && ChaCha20Avx512.IsSupported && ChaCha20Avx512Vl.IsSupported && !(AppContext.TryGetSwitch(ChaCha20Poly1305.DisableAvx512Switch, out bool disabled) && disabled);

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length, may be the same memory) and writes the tag, long messages on <typeparamref name="TSteps"/>.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Seal<TSteps>(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
        where TSteps : struct, IChaCha20Steps
    {
        if (plaintext.Length < WideThreshold)
        {
            // Blocks 0 to 3 at most, in one call: block 0 keys Poly1305, the rest encrypt.
            Span<byte> stream = stackalloc byte[ShortStreamSize(plaintext.Length)];
            ChaCha20Avx2.KeyStream(key, nonce, 0, stream);
            XorPartial(ref stream[64], ref MemoryMarshal.GetReference(plaintext), ref MemoryMarshal.GetReference(ciphertext), plaintext.Length);
            Authenticate(stream[..32], associatedData, ciphertext[..plaintext.Length], tag);
            CryptographicOperations.ZeroMemory(stream);
            return;
        }

        Span<byte> polyKey = stackalloc byte[32];
        XorWide<TSteps>(key, nonce, plaintext, ciphertext, polyKey);
        Authenticate(polyKey, associatedData, ciphertext[..plaintext.Length], tag, TSteps.Poly1305Vector512);
    }

    /// <summary>Checks the tag, then decrypts (same length, may be the same memory), long messages on <typeparamref name="TSteps"/>; on failure writes nothing.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryOpen<TSteps>(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
        where TSteps : struct, IChaCha20Steps
    {
        if (ciphertext.Length < WideThreshold)
        {
            return TryOpenShort(key, nonce, ciphertext, tag, plaintext, associatedData);
        }

        Span<byte> expected = stackalloc byte[16];
        // The first step's key stream holds the Poly1305 key and decrypts the first chunk less a block once the tag holds.
        Span<byte> stream = stackalloc byte[TSteps.ChunkSize];
        TSteps.KeyStream(key, nonce, 0, ref MemoryMarshal.GetReference(stream));
        Authenticate(stream[..32], associatedData, ciphertext, expected, TSteps.Poly1305Vector512);
        if (!Verify(expected, tag))
        {
            CryptographicOperations.ZeroMemory(stream);
            return false;
        }

        XorFromFirstStep<TSteps>(key, nonce, stream, ciphertext, plaintext);
        return true;
    }

    /// <summary>The open of up to 192 bytes: blocks 0 to 3 at most, in one call.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryOpenShort(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> stream = stackalloc byte[ShortStreamSize(ciphertext.Length)];
        Span<byte> expected = stackalloc byte[16];
        ChaCha20Avx2.KeyStream(key, nonce, 0, stream);
        Authenticate(stream[..32], associatedData, ciphertext, expected);
        bool valid = Verify(expected, tag);
        if (valid)
        {
            XorPartial(ref stream[64], ref MemoryMarshal.GetReference(ciphertext), ref MemoryMarshal.GetReference(plaintext), ciphertext.Length);
        }

        CryptographicOperations.ZeroMemory(stream);
        return valid;
    }

    /// <summary>
    /// XORs the key stream from block 1 on into <paramref name="destination"/> and writes block 0's first 32
    /// bytes to <paramref name="polyKey"/>: the first step's blocks start at 0, so the Poly1305 key costs no
    /// block of its own.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void XorWide<TSteps>(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> source, Span<byte> destination, Span<byte> polyKey)
        where TSteps : struct, IChaCha20Steps
    {
        Span<byte> stream = stackalloc byte[TSteps.ChunkSize];
        TSteps.KeyStream(key, nonce, 0, ref MemoryMarshal.GetReference(stream));
        stream[..32].CopyTo(polyKey);
        XorFromFirstStep<TSteps>(key, nonce, stream, source, destination);
    }

    /// <summary>
    /// XORs the key stream into <paramref name="destination"/>, given the first step's (from block 0) in
    /// <paramref name="stream"/>, which it reuses and wipes. The last part takes the fewest blocks that cover it:
    /// a whole step, sixteen (after steps of thirty-two), eight, four or two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void XorFromFirstStep<TSteps>(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, Span<byte> stream, ReadOnlySpan<byte> source, Span<byte> destination)
        where TSteps : struct, IChaCha20Steps
    {
        ref byte keyStream = ref MemoryMarshal.GetReference(stream);
        ref byte input = ref MemoryMarshal.GetReference(source);
        ref byte output = ref MemoryMarshal.GetReference(destination);
        int length = source.Length;

        int chunk = TSteps.ChunkSize;
        int offset = Math.Min(length, chunk - 64);
        XorPartial(ref Unsafe.Add(ref keyStream, 64), ref input, ref output, offset);

        uint counter = (uint)(chunk / 64);
        while (length - offset >= chunk)
        {
            TSteps.KeyStream(key, nonce, counter, ref keyStream);
            TSteps.Xor(ref keyStream, ref Unsafe.Add(ref input, offset), ref Unsafe.Add(ref output, offset), chunk);
            offset += chunk;
            counter += (uint)(chunk / 64);
        }

        int remaining = length - offset;
        if (remaining > chunk / 2 && chunk > ChaCha20Avx512Vl.ChunkSize)
        {
            TSteps.KeyStream(key, nonce, counter, ref keyStream);
            XorPartial(ref keyStream, ref Unsafe.Add(ref input, offset), ref Unsafe.Add(ref output, offset), remaining);
        }
        else if (remaining > ChaCha20Avx512Vl.ChunkSize)
        {
            // After steps of thirty-two blocks: sixteen cover it for less.
            ChaCha20Avx512.KeyStream(key, nonce, counter, ref keyStream);
            XorPartial(ref keyStream, ref Unsafe.Add(ref input, offset), ref Unsafe.Add(ref output, offset), remaining);
        }
        else if (remaining > ShortTail)
        {
            // Eight blocks, with the instructions of the step's own kind.
            if (typeof(TSteps) == typeof(ChaCha20Avx2Wide))
            {
                ChaCha20Avx2Wide.KeyStream(key, nonce, counter, ref keyStream);
            }
            else
            {
                ChaCha20Avx512Vl.KeyStream(key, nonce, counter, ref keyStream);
            }

            XorPartial(ref keyStream, ref Unsafe.Add(ref input, offset), ref Unsafe.Add(ref output, offset), remaining);
        }
        else if (remaining > 0)
        {
            // Two or four blocks cost less than eight (a 512-byte seal is 448 bytes and one block).
            Span<byte> tail = stream[..(remaining <= 128 ? 128 : 256)];
            ChaCha20Avx2.KeyStream(key, nonce, counter, tail);
            XorPartial(ref keyStream, ref Unsafe.Add(ref input, offset), ref Unsafe.Add(ref output, offset), remaining);
        }

        CryptographicOperations.ZeroMemory(stream);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void XorPartial(ref byte keyStream, ref byte input, ref byte output, int length)
    {
        int i = length & ~31;
        ChaCha20Avx2Wide.Xor(ref keyStream, ref input, ref output, i);
        for (; i + 8 <= length; i += 8)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, i), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref input, i)) ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref keyStream, i)));
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref output, i) = (byte)(Unsafe.Add(ref input, i) ^ Unsafe.Add(ref keyStream, i));
        }
    }

    /// <summary>Two blocks (the key block and one) for up to 64 bytes, four for up to 192.</summary>
    private static int ShortStreamSize(int length) => length <= 64 ? 128 : 256;

    /// <summary>
    /// Compares the tags in constant time and wipes the computed one. Two 64-bit XORs folded into one word:
    /// <see cref="CryptographicOperations.FixedTimeEquals"/> is compiled without optimization on purpose, and
    /// cost 130 ns of a 64-byte open.
    /// </summary>
    private static bool Verify(Span<byte> expected, ReadOnlySpan<byte> tag)
    {
        ulong difference = (BinaryPrimitives.ReadUInt64LittleEndian(expected) ^ BinaryPrimitives.ReadUInt64LittleEndian(tag))
            | (BinaryPrimitives.ReadUInt64LittleEndian(expected[8..]) ^ BinaryPrimitives.ReadUInt64LittleEndian(tag[8..16]));
        expected.Clear();
        return difference == 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Authenticate(Span<byte> polyKey, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> tag, bool vector512 = false)
    {
        var mac = new Poly1305(polyKey);
        CryptographicOperations.ZeroMemory(polyKey);
        mac.UpdatePadded(associatedData);
        mac.UpdatePadded(ciphertext, vector512);
        Span<byte> lengths = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)associatedData.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(lengths[8..], (ulong)ciphertext.Length);
        mac.UpdateBlock(lengths);
        mac.Finish(tag);
    }
}
