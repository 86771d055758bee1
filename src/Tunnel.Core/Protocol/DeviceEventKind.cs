namespace Tunnel.Core.Protocol;

/// <summary>The kinds of <see cref="DeviceEvent"/>.</summary>
public enum DeviceEventKind : byte
{
    /// <summary>A handshake completed: a new session exists.</summary>
    HandshakeCompleted,

    /// <summary>No response after 18 attempts (90 s): staged packets were dropped.</summary>
    HandshakeGaveUp,

    /// <summary>The peer's endpoint changed to the source of an authenticated datagram (roaming).</summary>
    EndpointChanged,

    /// <summary>All sessions were wiped after three times Reject-After-Time without a new one.</summary>
    KeyMaterialZeroed,
}
