using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Crypto;

/// <summary>
/// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): ChaCha20-Poly1305 with a 24-byte nonce, which WireGuard
/// uses to encrypt the cookie in a cookie reply (whitepaper section 5.4.7) under a random nonce.
/// </summary>
/// <remarks>Buffers follow the same rules as <see cref="ChaCha20Poly1305"/>: tag appended, in place or disjoint.</remarks>
internal static class XChaCha20Poly1305
{
    /// <summary>The key size, in bytes.</summary>
    public const int KeySize = AeadArguments.KeySize;

    /// <summary>The nonce size, in bytes.</summary>
    public const int NonceSize = 24;

    /// <summary>The authentication tag's size, in bytes.</summary>
    public const int TagSize = AeadArguments.TagSize;

    /// <summary>Encrypts <paramref name="plaintext"/>.</summary>
    /// <param name="key">The 32-byte key.</param>
    /// <param name="nonce">The 24-byte nonce.</param>
    /// <param name="plaintext">The message.</param>
    /// <param name="destination">Receives the ciphertext and its tag: <c>plaintext.Length + 16</c> bytes.</param>
    /// <param name="associatedData">Data authenticated but not encrypted; empty for WireGuard's transport messages.</param>
    /// <returns>The number of bytes written: <c>plaintext.Length + 16</c>.</returns>
    /// <exception cref="ArgumentException">A size is wrong, or the buffers overlap other than in place.</exception>
    public static int Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        AeadArguments.ValidateEncrypt(key, nonce, NonceSize, plaintext, destination);
        SodiumAead.Encrypt(extendedNonce: true, key, nonce, plaintext, destination, associatedData);
        return plaintext.Length + TagSize;
    }

    /// <summary>Decrypts and authenticates <paramref name="ciphertext"/>.</summary>
    /// <param name="key">The 32-byte key.</param>
    /// <param name="nonce">The 24-byte nonce.</param>
    /// <param name="ciphertext">The ciphertext followed by its 16-byte tag.</param>
    /// <param name="destination">Receives the plaintext: <c>ciphertext.Length - 16</c> bytes.</param>
    /// <param name="associatedData">The associated data given to <c>Encrypt</c>.</param>
    /// <returns><see langword="true"/> when the tag is valid; otherwise <see langword="false"/>, with the plaintext's bytes of <paramref name="destination"/> zeroed.</returns>
    /// <exception cref="ArgumentException">A size is wrong, or the buffers overlap other than in place.</exception>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        AeadArguments.ValidateDecrypt(key, nonce, NonceSize, ciphertext, destination);
        return SodiumAead.TryDecrypt(extendedNonce: true, key, nonce, ciphertext, destination, associatedData);
    }
}
