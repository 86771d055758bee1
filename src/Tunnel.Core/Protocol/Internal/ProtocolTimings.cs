namespace Tunnel.Core.Protocol.Internal;

/// <summary>The constants of the whitepaper's section 6.1 (and wireguard-go's device/constants.go).</summary>
internal static class ProtocolTimings
{
    internal const ulong RekeyAfterMessages = 1UL << 60;
    internal const ulong RejectAfterMessages = ulong.MaxValue - (1UL << 13);
    internal static readonly TimeSpan RekeyAfterTime = TimeSpan.FromSeconds(120);
    internal static readonly TimeSpan RejectAfterTime = TimeSpan.FromSeconds(180);
    internal static readonly TimeSpan RekeyTimeout = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan KeepaliveTimeout = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan HandshakeInitiationRate = TimeSpan.FromMilliseconds(20);
    internal static readonly TimeSpan UnderLoadHold = TimeSpan.FromSeconds(1);

    /// <summary>Handshake attempts before giving up: Rekey-Attempt-Time (90 s) / Rekey-Timeout (5 s) = 18.</summary>
    internal const int MaxHandshakeAttempts = 18;

    /// <summary>Upper bound (exclusive) of the random jitter added to each handshake retry, in milliseconds.</summary>
    internal const int RekeyTimeoutJitterMilliseconds = 334;

    /// <summary>Key material is zeroed when no new session appears for three times Reject-After-Time.</summary>
    internal static readonly TimeSpan ZeroKeyMaterialAfter = RejectAfterTime * 3;

    /// <summary>
    /// An initiator whose current session is this old when data arrives starts a new handshake so that a
    /// new session exists before the old one is rejected: Reject-After-Time minus Keepalive-Timeout minus
    /// Rekey-Timeout (165 s).
    /// </summary>
    internal static readonly TimeSpan RekeyOnReceiveAfter = RejectAfterTime - KeepaliveTimeout - RekeyTimeout;
}
