using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Crypto;

/// <summary>A peer's 32-byte X25519 public key (Spub in the whitepaper), held by value.</summary>
public readonly struct PublicKey : IEquatable<PublicKey>
{
    /// <summary>The size of a public key, in bytes.</summary>
    public const int Size = KeyText.KeySize;

    private readonly Bytes32 _bytes;

    /// <summary>Copies a public key from its 32 bytes.</summary>
    /// <param name="bytes">The key: exactly 32 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes.</exception>
    public PublicKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A public key is {Size} bytes.", nameof(bytes));
        }

        bytes.CopyTo(_bytes);
    }

    /// <summary>Whether every byte is zero, which WireGuard's configuration uses for "no key".</summary>
    public bool IsEmpty => KeyText.IsAllZero(_bytes);

    /// <summary>The key's bytes.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    /// <summary>Copies the key's 32 bytes into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 32 bytes.</param>
    public void CopyTo(Span<byte> destination) => ((ReadOnlySpan<byte>)_bytes).CopyTo(destination);

    /// <summary>Parses the base64 form that <c>wg pubkey</c> prints and wg-quick files hold (44 characters).</summary>
    /// <param name="text">The key in base64.</param>
    /// <param name="key">The key, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether <paramref name="text"/> is a well-formed key.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out PublicKey key)
    {
        Bytes32 bytes = default;
        bool ok = KeyText.TryParseBase64(text, bytes);
        key = ok ? new PublicKey(bytes) : default;
        return ok;
    }

    /// <summary>Parses the lowercase or uppercase hex form of the UAPI protocol (64 characters).</summary>
    /// <param name="text">The key in hex.</param>
    /// <param name="key">The key, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether <paramref name="text"/> is a well-formed key.</returns>
    public static bool TryParseHex(ReadOnlySpan<char> text, out PublicKey key)
    {
        Bytes32 bytes = default;
        bool ok = KeyText.TryParseHex(text, bytes);
        key = ok ? new PublicKey(bytes) : default;
        return ok;
    }

    /// <summary>The key in base64, as <c>wg</c> prints it.</summary>
    /// <returns>44 characters.</returns>
    public string ToBase64String() => KeyText.ToBase64(_bytes);

    /// <summary>The key in lowercase hex, as the UAPI protocol writes it.</summary>
    /// <returns>64 characters.</returns>
    public string ToHexString() => KeyText.ToHex(_bytes);

    /// <summary>The key in base64.</summary>
    /// <returns>44 characters.</returns>
    public override string ToString() => ToBase64String();

    /// <inheritdoc/>
    /// <remarks>
    /// Constant-time, as a comparison of keys should be, with the four 64-bit words XORed and folded: the
    /// framework's <see cref="CryptographicOperations.FixedTimeEquals"/> is compiled unoptimized on purpose
    /// and costs about ten times as much.
    /// </remarks>
    public bool Equals(PublicKey other)
    {
        ReadOnlySpan<ulong> a = MemoryMarshal.Cast<byte, ulong>((ReadOnlySpan<byte>)_bytes), b = MemoryMarshal.Cast<byte, ulong>((ReadOnlySpan<byte>)other._bytes);
        return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PublicKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    /// <summary>Whether two keys are equal.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    /// <returns>Whether the keys' bytes are equal.</returns>
    public static bool operator ==(PublicKey left, PublicKey right) => left.Equals(right);

    /// <summary>Whether two keys differ.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    /// <returns>Whether the keys' bytes differ.</returns>
    public static bool operator !=(PublicKey left, PublicKey right) => !left.Equals(right);
}
