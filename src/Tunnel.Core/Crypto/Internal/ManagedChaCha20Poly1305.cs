using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// ChaCha20-Poly1305 (RFC 8439 section 2.8) in managed code, with a detached tag like libsodium's
/// <c>_detached</c> calls, in place or out of place. Messages past <see cref="WideThreshold"/> bytes run on
/// <see cref="ChaCha20Avx2Wide"/> (eight blocks per step, block 0's first 32 bytes being the Poly1305 key);
/// shorter ones on <see cref="ChaCha20Avx2"/>, which makes two or four blocks at a time. Where it runs it
/// equals libsodium byte for byte (the tests hold it to that).
/// </summary>
internal static class ManagedChaCha20Poly1305
{
    /// <summary>The shortest message that takes the eight-block path.</summary>
    public const int WideThreshold = 193;

    /// <summary>Whether this CPU can run it.</summary>
    public static bool IsSupported => ChaCha20Avx2.IsSupported && ChaCha20Avx2Wide.IsSupported;

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length, may be the same memory) and writes the tag.</summary>
    [SkipLocalsInit]
    public static void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> polyKey = stackalloc byte[32];
        if (plaintext.Length < WideThreshold)
        {
            ChaCha20Avx2.PolyKey(key, nonce, polyKey);
            ChaCha20Avx2.Xor(key, nonce, 1, plaintext, ciphertext);
        }
        else
        {
            XorWide(key, nonce, plaintext, ciphertext, polyKey);
        }

        Authenticate(polyKey, associatedData, ciphertext[..plaintext.Length], tag);
    }

    /// <summary>Checks the tag, then decrypts (same length, may be the same memory); on failure writes nothing.</summary>
    [SkipLocalsInit]
    public static bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> polyKey = stackalloc byte[32];
        Span<byte> expected = stackalloc byte[16];
        ChaCha20Avx2.PolyKey(key, nonce, polyKey);
        Authenticate(polyKey, associatedData, ciphertext, expected);
        bool valid = CryptographicOperations.FixedTimeEquals(expected, tag[..16]);
        CryptographicOperations.ZeroMemory(expected);
        if (valid)
        {
            if (ciphertext.Length < WideThreshold)
            {
                ChaCha20Avx2.Xor(key, nonce, 1, ciphertext, plaintext);
            }
            else
            {
                XorWide(key, nonce, ciphertext, plaintext, polyKey);
                CryptographicOperations.ZeroMemory(polyKey);
            }
        }

        return valid;
    }

    /// <summary>
    /// XORs the key stream from block 1 on into <paramref name="destination"/> and writes block 0's first 32
    /// bytes to <paramref name="polyKey"/>: the first step's eight blocks are 0 to 7, so the Poly1305 key costs
    /// no block of its own.
    /// </summary>
    [SkipLocalsInit]
    private static void XorWide(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> source, Span<byte> destination, Span<byte> polyKey)
    {
        Span<byte> stream = stackalloc byte[ChaCha20Avx2Wide.ChunkSize];
        ref byte keyStream = ref MemoryMarshal.GetReference(stream);
        ref byte input = ref MemoryMarshal.GetReference(source);
        ref byte output = ref MemoryMarshal.GetReference(destination);
        int length = source.Length;

        ChaCha20Avx2Wide.KeyStream(key, nonce, 0, ref keyStream);
        stream[..32].CopyTo(polyKey);
        int offset = Math.Min(length, ChaCha20Avx2Wide.ChunkSize - 64);
        XorPartial(ref Unsafe.Add(ref keyStream, 64), ref input, ref output, offset);

        uint counter = 8;
        while (length - offset >= ChaCha20Avx2Wide.ChunkSize)
        {
            ChaCha20Avx2Wide.KeyStream(key, nonce, counter, ref keyStream);
            ChaCha20Avx2Wide.Xor(ref keyStream, ref Unsafe.Add(ref input, offset), ref Unsafe.Add(ref output, offset), ChaCha20Avx2Wide.ChunkSize);
            offset += ChaCha20Avx2Wide.ChunkSize;
            counter += 8;
        }

        if (offset < length)
        {
            ChaCha20Avx2Wide.KeyStream(key, nonce, counter, ref keyStream);
            XorPartial(ref keyStream, ref Unsafe.Add(ref input, offset), ref Unsafe.Add(ref output, offset), length - offset);
        }

        CryptographicOperations.ZeroMemory(stream);
    }

    private static void XorPartial(ref byte keyStream, ref byte input, ref byte output, int length)
    {
        int whole = length & ~31;
        ChaCha20Avx2Wide.Xor(ref keyStream, ref input, ref output, whole);
        for (int i = whole; i < length; i++)
        {
            Unsafe.Add(ref output, i) = (byte)(Unsafe.Add(ref input, i) ^ Unsafe.Add(ref keyStream, i));
        }
    }

    private static void Authenticate(Span<byte> polyKey, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> tag)
    {
        var mac = new Poly1305(polyKey);
        CryptographicOperations.ZeroMemory(polyKey);
        mac.UpdatePadded(associatedData);
        mac.UpdatePadded(ciphertext);
        Span<byte> lengths = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)associatedData.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(lengths[8..], (ulong)ciphertext.Length);
        mac.UpdateBlock(lengths);
        mac.Finish(tag);
    }
}
