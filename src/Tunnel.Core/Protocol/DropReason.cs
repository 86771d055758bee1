namespace Tunnel.Core.Protocol;

/// <summary>Why a packet or datagram was dropped. <see cref="Device.GetDropCount"/> counts each.</summary>
public enum DropReason : byte
{
    /// <summary>Not dropped.</summary>
    None,

    /// <summary>A datagram whose type or size is not a WireGuard message's.</summary>
    InvalidMessage,

    /// <summary>A handshake message whose MAC1 is not ours.</summary>
    InvalidMac1,

    /// <summary>Under load, a handshake message without a valid MAC2 (answered with a cookie reply when possible).</summary>
    InvalidMac2,

    /// <summary>Under load, the sender exceeded its handshake rate.</summary>
    RateLimited,

    /// <summary>A handshake message that did not decrypt, named an unknown peer, or carried a small-order key.</summary>
    HandshakeFailed,

    /// <summary>An initiation whose timestamp is not newer than the last one from that peer (a replay).</summary>
    StaleTimestamp,

    /// <summary>A second initiation from one peer within 20 ms.</summary>
    HandshakeFlood,

    /// <summary>A response, cookie reply or transport message for a receiver index we do not hold.</summary>
    UnknownReceiver,

    /// <summary>A cookie reply that does not authenticate.</summary>
    InvalidCookieReply,

    /// <summary>A transport message whose tag does not verify.</summary>
    AuthenticationFailed,

    /// <summary>A transport counter already seen, too old for the replay window, or past Reject-After-Messages.</summary>
    Replay,

    /// <summary>A transport message under a keypair older than Reject-After-Time.</summary>
    KeypairExpired,

    /// <summary>A decrypted packet that is not a well-formed IPv4 or IPv6 packet.</summary>
    InvalidInnerPacket,

    /// <summary>A decrypted packet whose source address the peer is not allowed to use.</summary>
    DisallowedSource,

    /// <summary>An outgoing packet whose destination no peer's allowed IPs cover.</summary>
    NoRoute,

    /// <summary>An outgoing packet for a peer with no known endpoint.</summary>
    NoEndpoint,

    /// <summary>An outgoing packet longer than the MTU, or a buffer too small for the result.</summary>
    TooLarge,

    /// <summary>A staged packet pushed out by a newer one while the handshake was pending.</summary>
    QueueOverflow,

    /// <summary>Staged packets discarded when the handshake gave up after 18 attempts.</summary>
    HandshakeGaveUp,

    /// <summary>A handshake message that arrived while the driver's handshake queue was full (a flood).</summary>
    HandshakeQueueFull,

    /// <summary>A handshake message, or an outgoing packet, while the device has no private key.</summary>
    NoPrivateKey,
}
