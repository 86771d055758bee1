using System.Security.Cryptography;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// The two text forms of a 32-byte WireGuard key: base64 with padding (44 characters, as <c>wg</c> and
/// wg-quick files write them) and lowercase hex (64 characters, as the UAPI protocol writes them).
/// </summary>
internal static class KeyText
{
    internal const int KeySize = 32;
    internal const int Base64Length = 44;
    internal const int HexLength = 64;

    internal static bool TryParseBase64(ReadOnlySpan<char> text, Span<byte> key)
    {
        // The length and the single '=' pin the form down before the decoder sees it, as wg does.
        if (text.Length != Base64Length || text[^1] != '=' || text[^2] == '=')
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[KeySize + 1];
        bool ok = Convert.TryFromBase64Chars(text, decoded, out int written) && written == KeySize;
        if (ok)
        {
            decoded[..KeySize].CopyTo(key);
        }

        CryptographicOperations.ZeroMemory(decoded);
        return ok;
    }

    internal static bool TryParseHex(ReadOnlySpan<char> text, Span<byte> key)
    {
        if (text.Length != HexLength)
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[KeySize];
        bool ok = Convert.FromHexString(text, decoded, out _, out int written) == System.Buffers.OperationStatus.Done && written == KeySize;
        if (ok)
        {
            decoded.CopyTo(key);
        }

        CryptographicOperations.ZeroMemory(decoded);
        return ok;
    }

    internal static string ToBase64(ReadOnlySpan<byte> key) => Convert.ToBase64String(key);

    internal static string ToHex(ReadOnlySpan<byte> key) => Convert.ToHexStringLower(key);

    internal static bool IsAllZero(ReadOnlySpan<byte> key)
    {
        // Constant time: the answer says whether a key is set, never where it differs.
        int accumulator = 0;
        foreach (byte b in key)
        {
            accumulator |= b;
        }

        return accumulator == 0;
    }
}
