using Tunnel.Core.Collections;
using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Protocol;

/// <summary>The timers (whitepaper section 6), as deadlines rather than a polling loop.</summary>
public sealed partial class Device
{
    /// <summary>The peers by their next timer: what makes a deadline cost the same with ten peers or ten thousand.</summary>
    internal LowerBoundHeap<Peer, TimeSpan> Timers { get; } = new(Peer.Never);

    /// <summary>
    /// The earliest armed timer over all peers: call <see cref="HandleTimeout"/> when it passes. Reading it costs
    /// a look at the top of the timer heap, not a scan of the peers (it may tidy the heap's top as it looks).
    /// </summary>
    public Deadline NextDeadline
    {
        get
        {
            if (Timers.Peek() is not { } peer)
            {
                return new Deadline(TimeSpan.MaxValue, DeadlineReason.None, null);
            }

            return new Deadline(peer.TimerKey, ReasonFor(peer, peer.TimerKey), peer);
        }
    }

    /// <summary>Fires every timer due at or before <paramref name="now"/>; their datagrams come out through <see cref="TryDequeueTransmit(Span{byte}, TimeSpan, out PacketResult)"/>.</summary>
    /// <param name="now">The current device time.</param>
    public void HandleTimeout(TimeSpan now)
    {
        // The due peers are taken out first, so each fires at most once per call, even if firing re-arms a timer at now.
        Timers.TakeDue(now, _due);
        foreach (Peer peer in _due)
        {
            FireDue(peer, now);
            Timers.Lower(peer, peer.EarliestTimer); // back in the heap with whatever is still armed
        }

        _due.Clear();
    }

    private void FireDue(Peer peer, TimeSpan now)
    {
        if (peer.RetransmitHandshakeAt <= now)
        {
            peer.RetransmitHandshakeAt = Peer.Never;
            RetransmitHandshake(peer, now);
        }

        if (peer.SendKeepaliveAt <= now)
        {
            peer.SendKeepaliveAt = Peer.Never;
            QueueKeepalive(peer);
            if (peer.NeedAnotherKeepalive)
            {
                peer.NeedAnotherKeepalive = false;
                peer.SendKeepaliveAt = now + ProtocolTimings.KeepaliveTimeout;
            }
        }

        if (peer.NewHandshakeAt <= now)
        {
            // Data went out and nothing came back for 15 s: the session may be dead on the far side.
            peer.NewHandshakeAt = Peer.Never;
            QueueInitiation(peer, now, isRetry: false);
        }

        if (peer.ZeroKeyMaterialAt <= now)
        {
            peer.ZeroKeyMaterialAt = Peer.Never;
            peer.ReleaseAllKeypairs();
            peer.TrimKeypairs();
            RemoveIndex(peer.Handshake.LocalIndex);
            peer.Handshake.Clear();
            Raise(DeviceEventKind.KeyMaterialZeroed, peer, now);
        }

        if (peer.PersistentKeepaliveAt <= now)
        {
            // Re-armed by the keepalive (or initiation) this queues, when it is sent.
            peer.PersistentKeepaliveAt = Peer.Never;
            if (peer.PersistentKeepaliveInterval > TimeSpan.Zero)
            {
                QueueKeepalive(peer);
            }
        }
    }

    private void RetransmitHandshake(Peer peer, TimeSpan now)
    {
        if (peer.HandshakeAttempts >= ProtocolTimings.MaxHandshakeAttempts)
        {
            // Rekey-Attempt-Time (90 s) has passed: give up, drop what waited, and let the keys age out.
            peer.SendKeepaliveAt = Peer.Never;
            _drops[(int)DropReason.HandshakeGaveUp] += peer.ClearStaged();
            if (peer.ZeroKeyMaterialAt == Peer.Never)
            {
                peer.ZeroKeyMaterialAt = now + ProtocolTimings.ZeroKeyMaterialAfter;
            }

            Raise(DeviceEventKind.HandshakeGaveUp, peer, now);
            return;
        }

        QueueInitiation(peer, now, isRetry: true);
    }

    private static DeadlineReason ReasonFor(Peer peer, TimeSpan at) =>
        at == peer.RetransmitHandshakeAt ? DeadlineReason.RetransmitHandshake
        : at == peer.SendKeepaliveAt ? DeadlineReason.SendKeepalive
        : at == peer.NewHandshakeAt ? DeadlineReason.NewHandshake
        : at == peer.ZeroKeyMaterialAt ? DeadlineReason.ZeroKeyMaterial
        : DeadlineReason.PersistentKeepalive;
}
