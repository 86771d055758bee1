using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Crypto;

/// <summary>
/// A 32-byte preshared key (Q in the whitepaper, mixed into every handshake for post-quantum resistance),
/// held by value so that it never lands on the garbage-collected heap unless its owner puts it there. <see cref="Clear"/> wipes it.
/// </summary>
/// <remarks>
/// A struct is copied by assignment: wipe every copy you make, or pass it by <see langword="in"/> reference.
/// <see cref="ToString"/> never shows the key; <see cref="ToBase64String"/> does, on purpose.
/// </remarks>
public struct PresharedKey
{
    /// <summary>The size of a preshared key, in bytes.</summary>
    public const int Size = KeyText.KeySize;

    private Bytes32 _bytes;

    /// <summary>Copies a preshared key from its 32 bytes.</summary>
    /// <param name="bytes">The key: exactly 32 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes.</exception>
    public PresharedKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A preshared key is {Size} bytes.", nameof(bytes));
        }

        bytes.CopyTo(_bytes);
    }

    /// <summary>Whether every byte is zero, which WireGuard treats as "no preshared key": the handshake then mixes in 32 zero bytes.</summary>
    public readonly bool IsEmpty => KeyText.IsAllZero(_bytes);

    /// <summary>The key's bytes.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> AsSpan() => _bytes;

    /// <summary>Parses the base64 form that <c>wg genpsk</c> prints and wg-quick files hold (44 characters).</summary>
    /// <param name="text">The key in base64.</param>
    /// <param name="key">The key, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether <paramref name="text"/> is a well-formed key.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out PresharedKey key)
    {
        key = default;
        return KeyText.TryParseBase64(text, key._bytes);
    }

    /// <summary>Parses the hex form of the UAPI protocol (64 characters).</summary>
    /// <param name="text">The key in hex.</param>
    /// <param name="key">The key, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether <paramref name="text"/> is a well-formed key.</returns>
    public static bool TryParseHex(ReadOnlySpan<char> text, out PresharedKey key)
    {
        key = default;
        return KeyText.TryParseHex(text, key._bytes);
    }

    /// <summary>The key in base64, as <c>wg genpsk</c> prints it. The string cannot be wiped: use it for configuration files only.</summary>
    /// <returns>44 characters.</returns>
    public readonly string ToBase64String() => KeyText.ToBase64(_bytes);

    /// <summary>The key in lowercase hex, as the UAPI protocol writes it. The string cannot be wiped.</summary>
    /// <returns>64 characters.</returns>
    public readonly string ToHexString() => KeyText.ToHex(_bytes);

    /// <summary>Wipes the key.</summary>
    public void Clear() => CryptographicOperations.ZeroMemory(_bytes);

    /// <summary>A placeholder that does not reveal the key.</summary>
    /// <returns>"(preshared key)" or "(none)".</returns>
    public override readonly string ToString() => IsEmpty ? "(none)" : "(preshared key)";
}
