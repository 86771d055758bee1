using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// ChaCha20-Poly1305 (RFC 8439 section 2.8) in managed code: <see cref="ChaCha20Avx2"/> for the stream
/// and <see cref="Poly1305"/> for the tag, with a detached tag like libsodium's <c>_detached</c> calls,
/// in place or out of place. Where it runs it equals libsodium byte for byte (the tests hold it to that).
/// </summary>
internal static class ManagedChaCha20Poly1305
{
    /// <summary>Whether this CPU can run it.</summary>
    public static bool IsSupported => ChaCha20Avx2.IsSupported;

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length, may be the same memory) and writes the tag.</summary>
    public static void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> polyKey = stackalloc byte[32];
        ChaCha20Avx2.PolyKey(key, nonce, polyKey);
        ChaCha20Avx2.Xor(key, nonce, 1, plaintext, ciphertext);
        Authenticate(polyKey, associatedData, ciphertext[..plaintext.Length], tag);
    }

    /// <summary>Checks the tag, then decrypts (same length, may be the same memory); on failure writes nothing.</summary>
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
            ChaCha20Avx2.Xor(key, nonce, 1, ciphertext, plaintext);
        }

        return valid;
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
