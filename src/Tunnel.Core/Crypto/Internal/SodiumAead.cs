using Tunnel.Core.Crypto.Interop;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// The AEAD backend: libsodium's detached IETF ChaCha20-Poly1305 and XChaCha20-Poly1305. It is the one seam
/// behind which a faster allocation-free backend can be chosen by measurement; arguments arrive validated.
/// </summary>
internal static unsafe class SodiumAead
{
    static SodiumAead() => Libsodium.EnsureInitialized();

    internal static void Encrypt(bool extendedNonce, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        fixed (byte* k = key)
        fixed (byte* n = nonce)
        fixed (byte* m = plaintext)
        fixed (byte* c = destination)
        fixed (byte* ad = associatedData)
        {
            int result = extendedNonce
                ? Libsodium.crypto_aead_xchacha20poly1305_ietf_encrypt_detached(c, c + plaintext.Length, null, m, (ulong)plaintext.Length, ad, (ulong)associatedData.Length, null, n, k)
                : Libsodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(c, c + plaintext.Length, null, m, (ulong)plaintext.Length, ad, (ulong)associatedData.Length, null, n, k);
            if (result != 0)
            {
                // Only a message longer than the construction's limit (about 256 GiB) fails, which no span can hold.
                throw new InvalidOperationException("libsodium refused to encrypt the message.");
            }
        }
    }

    internal static bool TryDecrypt(bool extendedNonce, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        int plaintextLength = ciphertext.Length - AeadArguments.TagSize;
        fixed (byte* k = key)
        fixed (byte* n = nonce)
        fixed (byte* c = ciphertext)
        fixed (byte* m = destination)
        fixed (byte* ad = associatedData)
        {
            // An empty plaintext may pin to null; libsodium accepts m == NULL when clen is 0.
            return extendedNonce
                ? Libsodium.crypto_aead_xchacha20poly1305_ietf_decrypt_detached(m, null, c, (ulong)plaintextLength, c + plaintextLength, ad, (ulong)associatedData.Length, n, k) == 0
                : Libsodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached(m, null, c, (ulong)plaintextLength, c + plaintextLength, ad, (ulong)associatedData.Length, n, k) == 0;
        }
    }
}
