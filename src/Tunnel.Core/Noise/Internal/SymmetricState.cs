using System.Security.Cryptography;
using Tunnel.Core.Crypto;
using ChaCha20Poly1305 = Tunnel.Core.Crypto.ChaCha20Poly1305;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Noise.Internal;

/// <summary>
/// Noise's SymmetricState (Noise specification section 5.2) as WireGuard instantiates it: the chaining key
/// C and the hash H, BLAKE2s for HASH, <see cref="Kdf"/> for HKDF, ChaCha20-Poly1305 under a fresh key for
/// every encryption (so the nonce is always 0).
/// </summary>
/// <remarks>
/// A value type, so a receiver works on a copy and keeps it only if the whole message authenticates; a
/// failed message leaves the handshake it was checked against untouched.
/// </remarks>
internal struct SymmetricState
{
    internal const int HashSize = Blake2s.HashSize;

    public Bytes32 ChainingKey;
    public Bytes32 Hash;

    /// <summary>InitializeSymmetric(protocol_name): H is the name padded to 32 bytes, or its hash if longer; C = H.</summary>
    public void Initialize(ReadOnlySpan<byte> protocolName)
    {
        Span<byte> hash = Hash;
        hash.Clear();
        if (protocolName.Length <= HashSize)
        {
            protocolName.CopyTo(hash);
        }
        else
        {
            Blake2s.HashData(protocolName, hash);
        }

        ChainingKey = Hash;
    }

    /// <summary>H := HASH(H || data).</summary>
    public void MixHash(scoped ReadOnlySpan<byte> data)
    {
        var blake = new Blake2s();
        blake.AppendData(Hash);
        blake.AppendData(data);
        blake.Finish(Hash);
    }

    /// <summary>C := KDF1(C, input): WireGuard's mixing of an ephemeral key or of a DH result it needs no key from.</summary>
    public void MixKey(scoped ReadOnlySpan<byte> input) => Kdf.Derive(ChainingKey, input, ChainingKey);

    /// <summary>(C, k) := KDF2(C, input).</summary>
    public void MixKey(scoped ReadOnlySpan<byte> input, scoped Span<byte> key) => Kdf.Derive(ChainingKey, input, ChainingKey, key);

    /// <summary>(C, τ, k) := KDF3(C, psk); H := HASH(H || τ).</summary>
    public void MixKeyAndHash(scoped ReadOnlySpan<byte> presharedKey, scoped Span<byte> key)
    {
        Bytes32 tau = default;
        Kdf.Derive(ChainingKey, presharedKey, ChainingKey, tau, key);
        MixHash(tau);
        CryptographicOperations.ZeroMemory(tau);
    }

    /// <summary>ciphertext := AEAD(k, 0, plaintext, H); H := HASH(H || ciphertext).</summary>
    public void EncryptAndHash(scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> plaintext, scoped Span<byte> ciphertext)
    {
        int written = ChaCha20Poly1305.Encrypt(key, 0, plaintext, ciphertext, Hash);
        MixHash(ciphertext[..written]);
    }

    /// <summary>The inverse of <see cref="EncryptAndHash"/>; false when the tag does not verify.</summary>
    public bool DecryptAndHash(scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> ciphertext, scoped Span<byte> plaintext)
    {
        if (!ChaCha20Poly1305.TryDecrypt(key, 0, ciphertext, plaintext, Hash))
        {
            return false;
        }

        MixHash(ciphertext);
        return true;
    }

    /// <summary>Split(): (first, second) := KDF2(C, ε).</summary>
    public readonly void Split(scoped Span<byte> first, scoped Span<byte> second) => Kdf.Derive(ChainingKey, default, first, second);

    public void Clear()
    {
        CryptographicOperations.ZeroMemory(ChainingKey);
        CryptographicOperations.ZeroMemory(Hash);
    }
}
