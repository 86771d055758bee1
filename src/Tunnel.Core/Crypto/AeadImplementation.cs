namespace Tunnel.Core.Crypto;

/// <summary>Which implementation runs <see cref="ChaCha20Poly1305"/>, chosen once per process by CPU features.</summary>
public enum AeadImplementation
{
    /// <summary>libsodium's <c>crypto_aead_chacha20poly1305_ietf_*_detached</c>: every CPU, and wherever the managed one is switched off.</summary>
    Libsodium,

    /// <summary>
    /// Tunnel's managed implementation with AVX2: ChaCha20 eight blocks at a time and Poly1305 four, on x64
    /// CPUs with AVX2 (1.4 times libsodium's speed at 1,420 bytes and 1.6 times at 64, measured on an AMD EPYC).
    /// </summary>
    ManagedAvx2,

    /// <summary>
    /// Tunnel's managed implementation where the CPU also has AVX-512: as <see cref="ManagedAvx2"/>, with
    /// messages longer than 448 bytes encrypted sixteen ChaCha20 blocks at a time in 512-bit registers and
    /// authenticated eight Poly1305 blocks at a time (0.64 times the AVX2 path's time for a 1,420-byte seal, and
    /// 1.2 times OpenSSL's speed at 8,192 bytes, measured on an AMD EPYC with AVX-512).
    /// </summary>
    ManagedAvx512,
}
