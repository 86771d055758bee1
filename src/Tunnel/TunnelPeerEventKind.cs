namespace Tunnel;

/// <summary>What happened to a peer, in a <see cref="TunnelPeerEvent"/>.</summary>
public enum TunnelPeerEventKind
{
    /// <summary>A handshake completed: a new session is in use.</summary>
    HandshakeCompleted,

    /// <summary>The handshake was retried for 90 seconds without an answer; packets waiting for it were dropped.</summary>
    HandshakeGaveUp,

    /// <summary>The peer's endpoint moved to the source of an authenticated datagram (roaming).</summary>
    EndpointChanged,

    /// <summary>Every session expired (three times Reject-After-Time without a new handshake): the peer is idle.</summary>
    SessionsExpired,
}
