using System.Security.Cryptography;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Crypto;

/// <summary>
/// HMAC (RFC 2104) over BLAKE2s-256, the HMAC of the WireGuard whitepaper (section 5.4), on which
/// <see cref="Kdf"/> is built.
/// </summary>
internal static class HmacBlake2s
{
    /// <summary>The size of the authentication code, in bytes.</summary>
    public const int HashSize = Blake2s.HashSize;

    /// <summary>HMAC's block size for BLAKE2s, in bytes: keys up to this size are used as they are.</summary>
    public const int BlockSize = Blake2s.BlockSize;

    private const byte InnerPad = 0x36;
    private const byte OuterPad = 0x5C;

    /// <summary>Computes HMAC-BLAKE2s(<paramref name="key"/>, <paramref name="source"/>).</summary>
    /// <param name="key">The key, of any length; keys longer than <see cref="BlockSize"/> are hashed first.</param>
    /// <param name="source">The message.</param>
    /// <param name="destination">Receives the 32-byte code; it may overlap <paramref name="key"/> or <paramref name="source"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="HashSize"/>.</exception>
    public static void HashData(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source, Span<byte> destination) =>
        HashData(key, source, default, destination);

    /// <summary>Computes HMAC-BLAKE2s over the concatenation <paramref name="source1"/> || <paramref name="source2"/>.</summary>
    internal static void HashData(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source1, ReadOnlySpan<byte> source2, Span<byte> destination)
    {
        if (destination.Length < HashSize)
        {
            throw new ArgumentException($"The destination must hold at least {HashSize} bytes.", nameof(destination));
        }

        Bytes64 pad = default;
        Span<byte> padded = pad;
        if (key.Length > BlockSize)
        {
            Blake2s.HashData(key, padded[..HashSize]);
        }
        else
        {
            key.CopyTo(padded);
        }

        Xor(padded, InnerPad);
        Bytes32 innerHash = default;
        var inner = new Blake2s();
        inner.AppendData(padded);
        inner.AppendData(source1);
        inner.AppendData(source2);
        inner.Finish(innerHash);

        // ipad ^ opad turns the inner pad into the outer one without keeping the key around.
        Xor(padded, InnerPad ^ OuterPad);
        var outer = new Blake2s();
        outer.AppendData(padded);
        outer.AppendData(innerHash);
        outer.Finish(destination);

        CryptographicOperations.ZeroMemory(padded);
        CryptographicOperations.ZeroMemory(innerHash);
    }

    private static void Xor(Span<byte> block, byte value)
    {
        for (int i = 0; i < block.Length; i++)
        {
            block[i] ^= value;
        }
    }
}
