using Tunnel.Core.Collections;
using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Protocol;

/// <summary>
/// The five per-peer timers of the whitepaper's section 6 (wireguard-go's device/timers.go is the table),
/// held as due times: <see cref="Device.NextDeadline"/> reports the earliest, <see cref="Device.HandleTimeout"/>
/// fires the due ones. <see cref="Never"/> means off.
/// </summary>
public sealed partial class Peer : ILowerBoundHeapEntry<TimeSpan>
{
    internal static readonly TimeSpan Never = TimeSpan.MaxValue;

    private TimeSpan _retransmitHandshakeAt;
    private TimeSpan _sendKeepaliveAt;
    private TimeSpan _newHandshakeAt;
    private TimeSpan _zeroKeyMaterialAt;
    private TimeSpan _persistentKeepaliveAt;

    /// <summary>Resend an initiation that got no response after Rekey-Timeout plus jitter.</summary>
    internal TimeSpan RetransmitHandshakeAt
    {
        get => _retransmitHandshakeAt;
        set => Arm(_retransmitHandshakeAt = value);
    }

    /// <summary>Send a keepalive after Keepalive-Timeout of receiving data while sending nothing.</summary>
    internal TimeSpan SendKeepaliveAt
    {
        get => _sendKeepaliveAt;
        set => Arm(_sendKeepaliveAt = value);
    }

    /// <summary>Start a new handshake when data sent has gone unanswered for Keepalive-Timeout + Rekey-Timeout.</summary>
    internal TimeSpan NewHandshakeAt
    {
        get => _newHandshakeAt;
        set => Arm(_newHandshakeAt = value);
    }

    /// <summary>Wipe all key material after three times Reject-After-Time without a new session.</summary>
    internal TimeSpan ZeroKeyMaterialAt
    {
        get => _zeroKeyMaterialAt;
        set => Arm(_zeroKeyMaterialAt = value);
    }

    /// <summary>Send a keepalive every persistent-keepalive interval of silence.</summary>
    internal TimeSpan PersistentKeepaliveAt
    {
        get => _persistentKeepaliveAt;
        set => Arm(_persistentKeepaliveAt = value);
    }

    /// <summary>
    /// This peer's key in the device's timer heap: never later than its earliest armed timer (see
    /// <see cref="LowerBoundHeap{TEntry, TKey}"/>); <see cref="Never"/> while it is not queued.
    /// </summary>
    internal TimeSpan TimerKey = Never;

    /// <summary>This peer's position in the timer heap, or -1.</summary>
    internal int TimerSlot = -1;

    /// <inheritdoc/>
    TimeSpan ILowerBoundHeapEntry<TimeSpan>.HeapKey { get => TimerKey; set => TimerKey = value; }

    /// <inheritdoc/>
    int ILowerBoundHeapEntry<TimeSpan>.HeapSlot { get => TimerSlot; set => TimerSlot = value; }

    /// <inheritdoc/>
    TimeSpan ILowerBoundHeapEntry<TimeSpan>.EarliestDeadline => EarliestTimer;

    internal int HandshakeAttempts;
    internal bool NeedAnotherKeepalive;
    internal bool SentLastMinuteHandshake;

    internal TimeSpan EarliestTimer =>
        Min(Min(RetransmitHandshakeAt, SendKeepaliveAt), Min(Min(NewHandshakeAt, ZeroKeyMaterialAt), PersistentKeepaliveAt));

    internal void ResetTimers()
    {
        // Moving timers later never touches the queue: it notices when it reaches this peer's key.
        _retransmitHandshakeAt = _sendKeepaliveAt = _newHandshakeAt = _zeroKeyMaterialAt = _persistentKeepaliveAt = Never;
        HandshakeAttempts = 0;
        NeedAnotherKeepalive = false;
        SentLastMinuteHandshake = false;
    }

    /// <summary>Any authenticated datagram sent: it doubles as a keepalive.</summary>
    internal void OnAuthenticatedPacketSent() => SendKeepaliveAt = Never;

    /// <summary>Any authenticated datagram received: the peer is alive, no new handshake needed for silence.</summary>
    internal void OnAuthenticatedPacketReceived() => NewHandshakeAt = Never;

    /// <summary>Any authenticated datagram in either direction restarts the persistent keepalive.</summary>
    internal void OnAuthenticatedPacketTraversal(TimeSpan now)
    {
        if (PersistentKeepaliveInterval > TimeSpan.Zero)
        {
            PersistentKeepaliveAt = now + PersistentKeepaliveInterval;
        }
    }

    /// <summary>A transport message with data (not a keepalive) sent: expect an answer.</summary>
    internal void OnDataSent(TimeSpan now, TimeSpan jitter)
    {
        if (NewHandshakeAt == Never)
        {
            NewHandshakeAt = now + ProtocolTimings.KeepaliveTimeout + ProtocolTimings.RekeyTimeout + jitter;
        }
    }

    /// <summary>A transport message with data received: owe the peer a keepalive unless we send data first.</summary>
    internal void OnDataReceived(TimeSpan now)
    {
        if (SendKeepaliveAt == Never)
        {
            SendKeepaliveAt = now + ProtocolTimings.KeepaliveTimeout;
        }
        else
        {
            NeedAnotherKeepalive = true;
        }
    }

    internal void OnHandshakeInitiated(TimeSpan now, TimeSpan jitter) =>
        RetransmitHandshakeAt = now + ProtocolTimings.RekeyTimeout + jitter;

    internal void OnHandshakeComplete(TimeSpan now)
    {
        RetransmitHandshakeAt = Never;
        HandshakeAttempts = 0;
        SentLastMinuteHandshake = false;
        LastHandshake = now;
    }

    internal void OnSessionDerived(TimeSpan now) => ZeroKeyMaterialAt = now + ProtocolTimings.ZeroKeyMaterialAfter;

    /// <summary>
    /// Keeps the queue's key a lower bound of every armed timer: a timer set earlier than the key moves the peer
    /// up the heap (rare: arming from off), a timer set later costs one comparison (the per-packet case, a
    /// persistent keepalive pushed back by traffic).
    /// </summary>
    private void Arm(TimeSpan at)
    {
        if (at < TimerKey)
        {
            Device.Timers.Lower(this, at);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
