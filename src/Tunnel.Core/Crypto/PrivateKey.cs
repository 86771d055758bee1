using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Crypto;

/// <summary>
/// A 32-byte X25519 private key (Spriv in the whitepaper), held by value so that it never lands on the
/// garbage-collected heap unless its owner puts it there. <see cref="Clear"/> wipes it.
/// </summary>
/// <remarks>
/// A struct is copied by assignment: wipe every copy you make, or pass it by <see langword="in"/> reference.
/// <see cref="ToString"/> never shows the key; <see cref="ToBase64String"/> does, on purpose.
/// </remarks>
public struct PrivateKey
{
    /// <summary>The size of a private key, in bytes.</summary>
    public const int Size = KeyText.KeySize;

    private Bytes32 _bytes;

    /// <summary>Copies a private key from its 32 bytes, as they are (<see cref="X25519"/> clamps before use).</summary>
    /// <param name="bytes">The key: exactly 32 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes.</exception>
    public PrivateKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A private key is {Size} bytes.", nameof(bytes));
        }

        bytes.CopyTo(_bytes);
    }

    /// <summary>Whether every byte is zero, which WireGuard's configuration uses for "no key".</summary>
    public readonly bool IsEmpty => KeyText.IsAllZero(_bytes);

    /// <summary>Makes a private key from 32 bytes of entropy, clamped as <c>wg genkey</c> does.</summary>
    /// <param name="entropy">32 uniformly random bytes, from the caller's random source.</param>
    /// <returns>The private key.</returns>
    public static PrivateKey Create(ReadOnlySpan<byte> entropy)
    {
        PrivateKey key = default;
        X25519.GeneratePrivateKey(entropy, key._bytes);
        return key;
    }

    /// <summary>The key's bytes.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> AsSpan() => _bytes;

    /// <summary>Computes the matching public key.</summary>
    /// <returns>The public key.</returns>
    public readonly PublicKey GetPublicKey()
    {
        Bytes32 publicKey = default;
        X25519.ComputePublicKey(_bytes, publicKey);
        return new PublicKey(publicKey);
    }

    /// <summary>Computes DH(this, <paramref name="peer"/>), refusing a peer key of small order.</summary>
    /// <param name="peer">The peer's public key.</param>
    /// <param name="sharedSecret">Receives the 32-byte shared secret; all zeros on failure.</param>
    /// <returns><see langword="false"/> when the result would be all zeros.</returns>
    public readonly bool TryComputeSharedSecret(in PublicKey peer, Span<byte> sharedSecret) =>
        X25519.TryComputeSharedSecret(_bytes, peer.AsSpan(), sharedSecret);

    /// <summary>Parses the base64 form that <c>wg genkey</c> prints and wg-quick files hold (44 characters).</summary>
    /// <param name="text">The key in base64.</param>
    /// <param name="key">The key, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether <paramref name="text"/> is a well-formed key.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out PrivateKey key)
    {
        key = default;
        return KeyText.TryParseBase64(text, key._bytes);
    }

    /// <summary>Parses the hex form of the UAPI protocol (64 characters).</summary>
    /// <param name="text">The key in hex.</param>
    /// <param name="key">The key, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether <paramref name="text"/> is a well-formed key.</returns>
    public static bool TryParseHex(ReadOnlySpan<char> text, out PrivateKey key)
    {
        key = default;
        return KeyText.TryParseHex(text, key._bytes);
    }

    /// <summary>The key in base64, as <c>wg genkey</c> prints it. The string cannot be wiped: use it for configuration files only.</summary>
    /// <returns>44 characters.</returns>
    public readonly string ToBase64String() => KeyText.ToBase64(_bytes);

    /// <summary>The key in lowercase hex, as the UAPI protocol writes it. The string cannot be wiped.</summary>
    /// <returns>64 characters.</returns>
    public readonly string ToHexString() => KeyText.ToHex(_bytes);

    /// <summary>Wipes the key.</summary>
    public void Clear() => CryptographicOperations.ZeroMemory(_bytes);

    /// <summary>A placeholder that does not reveal the key.</summary>
    /// <returns>"(private key)" or "(none)".</returns>
    public override readonly string ToString() => IsEmpty ? "(none)" : "(private key)";
}
