using System.Security.Cryptography;
using Tunnel.Core.Crypto.Interop;

namespace Tunnel.Core.Crypto;

/// <summary>
/// X25519 Diffie-Hellman (RFC 7748), WireGuard's DH and DH-Generate (whitepaper section 5.4), without
/// allocating. Entropy is an argument: the core draws no randomness of its own.
/// </summary>
internal static unsafe class X25519
{
    /// <summary>The size of private keys, public keys and shared secrets, in bytes.</summary>
    public const int KeySize = 32;

    static X25519() => Libsodium.EnsureInitialized();

    /// <summary>
    /// Turns 32 bytes of entropy into a private key by clamping them (RFC 7748 section 5: clear the three
    /// low bits and the top bit, set bit 254), as <c>wg genkey</c> does.
    /// </summary>
    /// <param name="entropy">32 uniformly random bytes.</param>
    /// <param name="privateKey">Receives the 32-byte private key; it may be the same span as <paramref name="entropy"/>.</param>
    /// <exception cref="ArgumentException">A span is not 32 bytes.</exception>
    public static void GeneratePrivateKey(ReadOnlySpan<byte> entropy, Span<byte> privateKey)
    {
        ThrowIfWrongSize(entropy, nameof(entropy));
        ThrowIfWrongSize(privateKey, nameof(privateKey));
        entropy.CopyTo(privateKey);
        privateKey[0] &= 248;
        privateKey[31] &= 127;
        privateKey[31] |= 64;
    }

    /// <summary>Computes the public key of <paramref name="privateKey"/>: the scalar times the base point 9.</summary>
    /// <param name="privateKey">The 32-byte private key (clamped or not: the scalar is clamped before use).</param>
    /// <param name="publicKey">Receives the 32-byte public key.</param>
    /// <exception cref="ArgumentException">A span is not 32 bytes.</exception>
    public static void ComputePublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey)
    {
        ThrowIfWrongSize(privateKey, nameof(privateKey));
        ThrowIfWrongSize(publicKey, nameof(publicKey));
        fixed (byte* n = privateKey)
        fixed (byte* q = publicKey)
        {
            // A clamped scalar is never 0 modulo the group order, so this cannot fail.
            if (Libsodium.crypto_scalarmult_base(q, n) != 0)
            {
                throw new CryptographicException("X25519 base-point multiplication failed.");
            }
        }
    }

    /// <summary>
    /// Computes the shared secret DH(<paramref name="privateKey"/>, <paramref name="publicKey"/>), refusing
    /// a public key of small order, whose result would be all zeros whatever the private key: WireGuard
    /// must not use such a secret.
    /// </summary>
    /// <param name="privateKey">Our 32-byte private key.</param>
    /// <param name="publicKey">The peer's 32-byte public key (a u-coordinate).</param>
    /// <param name="sharedSecret">Receives the 32-byte secret; all zeros when the method returns <see langword="false"/>.</param>
    /// <returns><see langword="false"/> when <paramref name="publicKey"/> has small order (the result would be all zeros).</returns>
    /// <exception cref="ArgumentException">A span is not 32 bytes.</exception>
    public static bool TryComputeSharedSecret(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, Span<byte> sharedSecret)
    {
        ThrowIfWrongSize(privateKey, nameof(privateKey));
        ThrowIfWrongSize(publicKey, nameof(publicKey));
        ThrowIfWrongSize(sharedSecret, nameof(sharedSecret));
        int result;
        fixed (byte* n = privateKey)
        fixed (byte* p = publicKey)
        fixed (byte* q = sharedSecret)
        {
            // libsodium returns -1 both for a small-order input and for an all-zero result.
            result = Libsodium.crypto_scalarmult(q, n, p);
        }

        if (result != 0)
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
            return false;
        }

        return true;
    }

    private static void ThrowIfWrongSize(ReadOnlySpan<byte> value, string name)
    {
        if (value.Length != KeySize)
        {
            throw new ArgumentException($"X25519 keys are {KeySize} bytes.", name);
        }
    }
}
