namespace Tunnel.Core.Crypto;

/// <summary>
/// Which ChaCha20-Poly1305 implementation seals and opens transport messages in this process, and the switch
/// that turns the managed one off. The primitive itself is internal: WireGuard's messages are its only use.
/// </summary>
public static class AeadBackend
{
    /// <summary>
    /// The <see cref="AppContext"/> switch that makes every process-wide choice libsodium's, even where the
    /// managed AVX2 implementation could run (<c>AppContext.SetSwitch(AeadBackend.DisableManagedImplementationSwitch, true)</c>
    /// before the first packet, or the runtime configuration).
    /// </summary>
    public const string DisableManagedImplementationSwitch = ChaCha20Poly1305.DisableManagedImplementationSwitch;

    /// <summary>
    /// The <see cref="AppContext"/> switch that keeps the managed implementation on AVX2 where the CPU also has
    /// AVX-512 (<see cref="AeadImplementation.ManagedAvx2"/> instead of <see cref="AeadImplementation.ManagedAvx512"/>),
    /// set before the first packet: for CPUs that lower their clock under 512-bit instructions.
    /// </summary>
    public const string DisableAvx512Switch = ChaCha20Poly1305.DisableAvx512Switch;

    /// <summary>The implementation chosen for this process (by CPU features and the switch), once, at first use.</summary>
    public static AeadImplementation Current => ChaCha20Poly1305.Implementation;
}
