namespace Tunnel.Core.Crypto.Internal;

/// <summary>Argument checks shared by the AEAD constructions, thrown with the caller's parameter names.</summary>
internal static class AeadArguments
{
    internal const int KeySize = 32;
    internal const int TagSize = 16;

    internal static void ValidateEncrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, int nonceSize, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        ValidateKeyAndNonce(key, nonce, nonceSize);
        if (destination.Length < plaintext.Length + TagSize)
        {
            throw new ArgumentException($"The destination must hold the ciphertext and its {TagSize}-byte tag ({plaintext.Length + TagSize} bytes).", nameof(destination));
        }

        ValidateOverlap(plaintext, destination);
    }

    internal static void ValidateDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, int nonceSize, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        ValidateKeyAndNonce(key, nonce, nonceSize);
        if (ciphertext.Length < TagSize)
        {
            throw new ArgumentException($"The ciphertext must be at least its {TagSize}-byte tag.", nameof(ciphertext));
        }

        int plaintextLength = ciphertext.Length - TagSize;
        if (destination.Length < plaintextLength)
        {
            throw new ArgumentException($"The destination must hold the {plaintextLength}-byte plaintext.", nameof(destination));
        }

        ValidateOverlap(ciphertext, destination);
    }

    private static void ValidateKeyAndNonce(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, int nonceSize)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"The key must be {KeySize} bytes.", nameof(key));
        }

        if (nonce.Length != nonceSize)
        {
            throw new ArgumentException($"The nonce must be {nonceSize} bytes.", nameof(nonce));
        }
    }

    /// <summary>In place means the same first byte; any other overlap would read bytes already overwritten.</summary>
    private static void ValidateOverlap(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Overlaps(destination, out int offset) && offset != 0)
        {
            throw new ArgumentException("The destination must either start where the source starts (in place) or not overlap it.", nameof(destination));
        }
    }
}
