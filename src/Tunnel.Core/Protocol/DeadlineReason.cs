namespace Tunnel.Core.Protocol;

/// <summary>The timers of the whitepaper's section 6.</summary>
public enum DeadlineReason : byte
{
    /// <summary>No timer is armed.</summary>
    None,

    /// <summary>An initiation got no response within Rekey-Timeout (plus jitter): retry.</summary>
    RetransmitHandshake,

    /// <summary>Data was received and nothing sent for Keepalive-Timeout: send a keepalive.</summary>
    SendKeepalive,

    /// <summary>Data was sent and nothing received for Keepalive-Timeout + Rekey-Timeout: new handshake.</summary>
    NewHandshake,

    /// <summary>No new session for three times Reject-After-Time: wipe the keys.</summary>
    ZeroKeyMaterial,

    /// <summary>The persistent keepalive interval passed in silence.</summary>
    PersistentKeepalive,
}
