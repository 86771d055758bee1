namespace Tunnel.Core;

/// <summary>
/// Where the core's randomness comes from: ephemeral keys, receiver indices, cookie secrets and nonces,
/// timer jitter. The core never draws randomness itself; the driver passes a cryptographically secure
/// source, and tests pass a deterministic one so that any run can be replayed from its seed.
/// </summary>
public interface IEntropySource
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    /// <param name="destination">The bytes to fill.</param>
    void Fill(Span<byte> destination);
}
