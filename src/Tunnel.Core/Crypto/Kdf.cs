using System.Security.Cryptography;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Crypto;

/// <summary>
/// WireGuard's key derivation function KDF<sub>n</sub> (whitepaper section 5.4), HKDF (RFC 5869) with
/// HMAC-BLAKE2s and an empty info string: τ0 = HMAC(key, input), τ1 = HMAC(τ0, 0x1),
/// τi = HMAC(τ0, τ(i-1) || i), returning τ1 .. τn.
/// </summary>
/// <remarks>
/// Each output is 32 bytes. Outputs may overlap <c>key</c> and <c>input</c>, as the handshake's
/// <c>(C, k) := KDF2(C, ...)</c> needs: both are read in full before any output is written.
/// </remarks>
internal static class Kdf
{
    /// <summary>The size of each output, in bytes.</summary>
    public const int OutputSize = HmacBlake2s.HashSize;

    /// <summary>KDF1: derives one 32-byte value.</summary>
    /// <param name="key">The chaining key.</param>
    /// <param name="input">The input keying material.</param>
    /// <param name="output1">Receives τ1.</param>
    public static void Derive(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output1) =>
        Derive(key, input, 1, output1, default, default);

    /// <summary>KDF2: derives two 32-byte values.</summary>
    /// <param name="key">The chaining key.</param>
    /// <param name="input">The input keying material.</param>
    /// <param name="output1">Receives τ1.</param>
    /// <param name="output2">Receives τ2.</param>
    public static void Derive(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output1, Span<byte> output2) =>
        Derive(key, input, 2, output1, output2, default);

    /// <summary>KDF3: derives three 32-byte values.</summary>
    /// <param name="key">The chaining key.</param>
    /// <param name="input">The input keying material.</param>
    /// <param name="output1">Receives τ1.</param>
    /// <param name="output2">Receives τ2.</param>
    /// <param name="output3">Receives τ3.</param>
    public static void Derive(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output1, Span<byte> output2, Span<byte> output3) =>
        Derive(key, input, 3, output1, output2, output3);

    private static void Derive(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, int count, Span<byte> output1, Span<byte> output2, Span<byte> output3)
    {
        ThrowIfTooShort(output1, nameof(output1));
        if (count >= 2)
        {
            ThrowIfTooShort(output2, nameof(output2));
        }

        if (count >= 3)
        {
            ThrowIfTooShort(output3, nameof(output3));
        }

        Bytes32 prk = default;
        Bytes32 t1 = default;
        Bytes32 t2 = default;
        Span<byte> counter = stackalloc byte[1];

        HmacBlake2s.HashData(key, input, prk);

        counter[0] = 1;
        HmacBlake2s.HashData(prk, counter, t1);
        if (count >= 2)
        {
            counter[0] = 2;
            HmacBlake2s.HashData(prk, t1, counter, t2);
        }

        if (count >= 3)
        {
            counter[0] = 3;
            HmacBlake2s.HashData(prk, t2, counter, output3);
            ((ReadOnlySpan<byte>)t2).CopyTo(output2);
        }
        else if (count == 2)
        {
            ((ReadOnlySpan<byte>)t2).CopyTo(output2);
        }

        ((ReadOnlySpan<byte>)t1).CopyTo(output1);

        CryptographicOperations.ZeroMemory(prk);
        CryptographicOperations.ZeroMemory(t1);
        CryptographicOperations.ZeroMemory(t2);
    }

    private static void ThrowIfTooShort(Span<byte> output, string name)
    {
        if (output.Length < OutputSize)
        {
            throw new ArgumentException($"Each output must hold at least {OutputSize} bytes.", name);
        }
    }
}
