using System.Buffers.Binary;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Crypto;

/// <summary>
/// ChaCha20-Poly1305 (RFC 8439), WireGuard's AEAD. The ciphertext is written with its 16-byte tag appended,
/// as WireGuard puts it on the wire, in place or to a separate buffer, without allocating.
/// </summary>
/// <remarks>
/// WireGuard's nonce is 32 zero bits followed by a 64-bit little-endian counter (whitepaper section 5.4);
/// the <see cref="ulong"/> overloads build it. The overloads taking a 12-byte nonce are the general
/// RFC 8439 construction. "In place" means <c>destination</c> starts exactly where the source starts;
/// any other overlap is rejected. A failed decryption zeroes the destination, as
/// System.Security.Cryptography and Go's implementation do, so unauthenticated plaintext never reaches the caller;
/// decrypting in place therefore consumes a packet that fails.
/// <para>
/// The implementation is chosen once, at first use: the managed one where the CPU has AVX2 (with sixteen
/// ChaCha20 blocks per step on long messages where it also has AVX-512, unless
/// <see cref="DisableAvx512Switch"/> is on), libsodium otherwise or when the
/// <see cref="DisableManagedImplementationSwitch"/> switch is on. All give the same bytes (the tests hold
/// them to that); <see cref="Implementation"/> says which runs.
/// </para>
/// </remarks>
internal static class ChaCha20Poly1305
{
    /// <summary>
    /// The <see cref="AppContext"/> switch that keeps libsodium even where the managed implementation could
    /// run: set it (<c>AppContext.SetSwitch</c> before the first use, or <c>RuntimeHostConfigurationOption</c>
    /// in the project file) to compare the two or to rule one out.
    /// </summary>
    public const string DisableManagedImplementationSwitch = "Tunnel.Core.Crypto.ChaCha20Poly1305.DisableManagedImplementation";

    /// <summary>
    /// The <see cref="AppContext"/> switch that keeps the managed implementation on its AVX2 path where the CPU
    /// also has AVX-512: for CPUs whose clock drops under 512-bit instructions, or to compare the two.
    /// </summary>
    public const string DisableAvx512Switch = "Tunnel.Core.Crypto.ChaCha20Poly1305.DisableAvx512";

    private static readonly bool s_managed = SelectsManaged();

    /// <summary>The key size, in bytes.</summary>
    public const int KeySize = AeadArguments.KeySize;

    /// <summary>The RFC 8439 nonce size, in bytes.</summary>
    public const int NonceSize = 12;

    /// <summary>The authentication tag's size, in bytes.</summary>
    public const int TagSize = AeadArguments.TagSize;

    /// <summary>Gets the implementation this process runs.</summary>
    public static AeadImplementation Implementation =>
        !s_managed ? AeadImplementation.Libsodium
        : ManagedChaCha20Poly1305.UsesAvx512 ? AeadImplementation.ManagedAvx512
        : AeadImplementation.ManagedAvx2;

    /// <summary>Encrypts with WireGuard's counter nonce.</summary>
    /// <param name="key">The 32-byte key.</param>
    /// <param name="counter">The message counter that forms the nonce.</param>
    /// <param name="plaintext">The message.</param>
    /// <param name="destination">Receives the ciphertext and its tag: <c>plaintext.Length + 16</c> bytes.</param>
    /// <param name="associatedData">Data authenticated but not encrypted; empty for WireGuard's transport messages.</param>
    /// <returns>The number of bytes written: <c>plaintext.Length + 16</c>.</returns>
    /// <exception cref="ArgumentException">A size is wrong, or the buffers overlap other than in place.</exception>
    public static int Encrypt(ReadOnlySpan<byte> key, ulong counter, ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(counter, nonce);
        return Encrypt(key, nonce, plaintext, destination, associatedData);
    }

    /// <summary>Decrypts and authenticates with WireGuard's counter nonce.</summary>
    /// <param name="key">The 32-byte key.</param>
    /// <param name="counter">The message counter that forms the nonce.</param>
    /// <param name="ciphertext">The ciphertext followed by its 16-byte tag.</param>
    /// <param name="destination">Receives the plaintext: <c>ciphertext.Length - 16</c> bytes.</param>
    /// <param name="associatedData">The associated data given to <c>Encrypt</c>.</param>
    /// <returns><see langword="true"/> when the tag is valid; otherwise <see langword="false"/>, with the plaintext's bytes of <paramref name="destination"/> zeroed.</returns>
    /// <exception cref="ArgumentException">A size is wrong, or the buffers overlap other than in place.</exception>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ulong counter, ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(counter, nonce);
        return TryDecrypt(key, nonce, ciphertext, destination, associatedData);
    }

    /// <summary>Encrypts with an RFC 8439 nonce.</summary>
    /// <param name="key">The 32-byte key.</param>
    /// <param name="nonce">The 12-byte nonce; never use one twice with the same key.</param>
    /// <param name="plaintext">The message.</param>
    /// <param name="destination">Receives the ciphertext and its tag: <c>plaintext.Length + 16</c> bytes.</param>
    /// <param name="associatedData">Data authenticated but not encrypted; empty for WireGuard's transport messages.</param>
    /// <returns>The number of bytes written: <c>plaintext.Length + 16</c>.</returns>
    /// <exception cref="ArgumentException">A size is wrong, or the buffers overlap other than in place.</exception>
    public static int Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        AeadArguments.ValidateEncrypt(key, nonce, NonceSize, plaintext, destination);
        if (s_managed)
        {
            ManagedChaCha20Poly1305.Seal(key, nonce, plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, TagSize), associatedData);
        }
        else
        {
            SodiumAead.Encrypt(extendedNonce: false, key, nonce, plaintext, destination, associatedData);
        }

        return plaintext.Length + TagSize;
    }

    /// <summary>Decrypts and authenticates with an RFC 8439 nonce.</summary>
    /// <param name="key">The 32-byte key.</param>
    /// <param name="nonce">The 12-byte nonce.</param>
    /// <param name="ciphertext">The ciphertext followed by its 16-byte tag.</param>
    /// <param name="destination">Receives the plaintext: <c>ciphertext.Length - 16</c> bytes.</param>
    /// <param name="associatedData">The associated data given to <c>Encrypt</c>.</param>
    /// <returns><see langword="true"/> when the tag is valid; otherwise <see langword="false"/>, with the plaintext's bytes of <paramref name="destination"/> zeroed.</returns>
    /// <exception cref="ArgumentException">A size is wrong, or the buffers overlap other than in place.</exception>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData)
    {
        AeadArguments.ValidateDecrypt(key, nonce, NonceSize, ciphertext, destination);
        if (!s_managed)
        {
            return SodiumAead.TryDecrypt(extendedNonce: false, key, nonce, ciphertext, destination, associatedData);
        }

        int length = ciphertext.Length - TagSize;
        if (ManagedChaCha20Poly1305.TryOpen(key, nonce, ciphertext[..length], ciphertext.Slice(length, TagSize), destination[..length], associatedData))
        {
            return true;
        }

        destination[..length].Clear();
        return false;
    }

    /// <summary>Whether the managed implementation runs here: the CPU can run it and the switch does not keep libsodium.</summary>
    internal static bool SelectsManaged() =>
        ManagedChaCha20Poly1305.IsSupported && !(AppContext.TryGetSwitch(DisableManagedImplementationSwitch, out bool disabled) && disabled);

    /// <summary>Writes WireGuard's nonce for <paramref name="counter"/>: four zero bytes, then the counter in little-endian order.</summary>
    /// <param name="counter">The message counter.</param>
    /// <param name="nonce">Receives the 12-byte nonce.</param>
    public static void WriteNonce(ulong counter, Span<byte> nonce)
    {
        if (nonce.Length < NonceSize)
        {
            throw new ArgumentException($"The nonce must hold {NonceSize} bytes.", nameof(nonce));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(nonce, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], counter);
    }
}
