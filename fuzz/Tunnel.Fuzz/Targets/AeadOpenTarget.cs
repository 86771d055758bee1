using System.Buffers.Binary;
using Tunnel.Core.Crypto;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// Opening attacker-controlled ciphertext, as the transport and cookie-reply paths do. Input layout:
/// a selector byte, a 32-byte key, then for ChaCha20-Poly1305 an 8-byte counter or for XChaCha20-Poly1305
/// a 24-byte nonce, then the ciphertext and tag. Short inputs are padded with zeros so that every input
/// reaches the AEAD.
/// </summary>
internal sealed class AeadOpenTarget : IFuzzTarget
{
    private const int MaxCiphertext = 2048;

    public string Name => "aead-open";

    public void Run(ReadOnlySpan<byte> data)
    {
        Span<byte> input = stackalloc byte[1 + 32 + 24 + 16];
        input.Clear();
        data[..Math.Min(data.Length, input.Length)].CopyTo(input);
        bool extended = (input[0] & 1) == 1;
        ReadOnlySpan<byte> key = input.Slice(1, 32);
        int headerLength = 1 + 32 + (extended ? 24 : 8);
        ReadOnlySpan<byte> ciphertext = data.Length > headerLength
            ? data[headerLength..Math.Min(data.Length, headerLength + MaxCiphertext)]
            : default;
        if (ciphertext.Length < 16)
        {
            return;
        }

        Span<byte> plaintext = stackalloc byte[ciphertext.Length - 16];
        Span<byte> resealed = stackalloc byte[ciphertext.Length];
        bool opened;
        if (extended)
        {
            ReadOnlySpan<byte> nonce = input.Slice(33, 24);
            opened = XChaCha20Poly1305.TryDecrypt(key, nonce, ciphertext, plaintext, []);
            if (opened)
            {
                XChaCha20Poly1305.Encrypt(key, nonce, plaintext, resealed, []);
            }
        }
        else
        {
            ulong counter = BinaryPrimitives.ReadUInt64LittleEndian(input.Slice(33, 8));
            opened = ChaCha20Poly1305.TryDecrypt(key, counter, ciphertext, plaintext, []);
            if (opened)
            {
                ChaCha20Poly1305.Encrypt(key, counter, plaintext, resealed, []);
            }
        }

        if (opened && !resealed.SequenceEqual(ciphertext))
        {
            throw new FuzzInvariantException("an opened message does not seal back to the same bytes");
        }

        if (!opened && plaintext.IndexOfAnyExcept((byte)0) >= 0)
        {
            throw new FuzzInvariantException("a failed open released plaintext");
        }
    }
}
