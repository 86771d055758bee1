using Tunnel.Net.Packets;
using static Tunnel.Net.Tcp.SequenceNumber;

namespace Tunnel.Net.Tcp;

internal sealed partial class TcpConnection
{
    /// <summary>Takes one segment from the peer (RFC 9293 section 3.10.7).</summary>
    public void OnSegment(in TcpSegment segment, long now)
    {
        NeedsReset = false;
        switch (State)
        {
            case TcpState.Closed:
                return;
            case TcpState.SynSent:
                OnSegmentInSynSent(segment, now);
                break;
            default:
                OnSegmentSynchronized(segment, now);
                break;
        }

        Observer?.OnChanged(this);
    }

    private void OnSegmentInSynSent(in TcpSegment segment, long now)
    {
        bool acknowledges = segment.Has(TcpFlags.Ack);
        if (acknowledges && (BeforeOrEqual(segment.Acknowledgment, _initialSend) || After(segment.Acknowledgment, _sendMax)))
        {
            NeedsReset = !segment.Has(TcpFlags.Rst); // not for our SYN: the stack answers it with a reset
            return;
        }

        if (segment.Has(TcpFlags.Rst))
        {
            if (acknowledges)
            {
                Close(TcpConnectionError.Refused);
            }

            return;
        }

        if (!segment.Has(TcpFlags.Syn))
        {
            return;
        }

        TakeSynOptions(segment);
        _receiveNext = segment.Sequence + 1;
        _lastHeard = now;
        if (acknowledges)
        {
            SampleRoundTrip(segment.Acknowledgment, now);
            _sendUnacknowledged = segment.Acknowledgment;
            _synAcknowledged = true;
            _windowUpdateSequence = segment.Sequence;
            _windowUpdateAcknowledgment = segment.Acknowledgment;
            RetransmitAt = Never;
            _retransmissions = 0;
            State = TcpState.Established;
            _ackNow = true;
            ArmKeepAlive(now);
            return;
        }

        // A simultaneous open: both sent SYNs (RFC 9293 section 3.5, figure 7).
        State = TcpState.SynReceived;
        _synDue = true;
    }

    private void OnSegmentSynchronized(in TcpSegment segment, long now)
    {
        // 1. Is it in the window? (RFC 9293 section 3.10.7.4, the four cases.)
        int window = _receive.Window;
        uint length = (uint)segment.SequenceLength;
        bool acceptable = length == 0
            ? (window == 0 ? segment.Sequence == _receiveNext : InWindow(segment.Sequence, _receiveNext, (uint)window))
            : window > 0 && (InWindow(segment.Sequence, _receiveNext, (uint)window) || InWindow(segment.Sequence + length - 1, _receiveNext, (uint)window));
        if (State == TcpState.TimeWait && segment.Has(TcpFlags.Fin) && !segment.Has(TcpFlags.Rst))
        {
            _ackNow = true; // the peer lost our ACK of its FIN
            TimeWaitAt = now + _settings.TimeWait.Ticks;
            return;
        }

        if (!acceptable)
        {
            if (State == TcpState.SynReceived && segment.Has(TcpFlags.Syn) && !segment.Has(TcpFlags.Rst) && segment.Sequence == _receiveNext - 1)
            {
                _synDue = true; // the peer's SYN again: our SYN-ACK was lost
            }
            else if (!segment.Has(TcpFlags.Rst))
            {
                _ackNow = true;
            }

            return;
        }

        // 2. A reset: believed only at exactly the next expected sequence number; elsewhere in the window it earns a
        // challenge ACK, which a true peer answers with an exact reset (RFC 5961 section 3.2).
        if (segment.Has(TcpFlags.Rst))
        {
            if (segment.Sequence == _receiveNext)
            {
                _resetDue = false;
                Close(State == TcpState.SynReceived ? TcpConnectionError.Refused : TcpConnectionError.Reset);
            }
            else
            {
                _ackNow = true;
            }

            return;
        }

        // 3. A SYN in a synchronised state: a challenge ACK, never a reset of the connection (RFC 5961 section 4.2);
        // but the peer's SYN again while ours is unacknowledged means our SYN-ACK was lost: send it again.
        if (segment.Has(TcpFlags.Syn))
        {
            if (State == TcpState.SynReceived && segment.Sequence == _receiveNext - 1)
            {
                _synDue = true;
            }
            else
            {
                _ackNow = true;
            }

            return;
        }

        if (!segment.Has(TcpFlags.Ack))
        {
            return;
        }

        _lastHeard = now;
        _probes = 0;

        // 4. The acknowledgment.
        if (State == TcpState.SynReceived)
        {
            if (!InWindow(segment.Acknowledgment, _sendUnacknowledged + 1, _sendMax - _sendUnacknowledged))
            {
                _resetDue = true; // RFC 9293: an unacceptable ACK in SYN-RECEIVED gets a reset
                return;
            }

            _synAcknowledged = true;
            RetransmitAt = Never;
            _retransmissions = 0;
            SampleRoundTrip(segment.Acknowledgment, now);
            _sendUnacknowledged++;
            _windowUpdateSequence = segment.Sequence;
            _windowUpdateAcknowledgment = segment.Acknowledgment;
            _sendWindow = (uint)segment.Window << _sendScale;
            State = _finQueued ? TcpState.FinWait1 : TcpState.Established;
            ArmKeepAlive(now);
        }

        if (!OnAcknowledgment(segment, now))
        {
            return;
        }

        // 5. The data, then the FIN.
        if (!segment.Payload.IsEmpty && State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
        {
            if (_detached && After(segment.Sequence + (uint)segment.Payload.Length, _receiveNext))
            {
                Abort(); // new data for an application that closed: nobody will read it (RFC 9293 section 3.10.7.4, as Linux does)
                return;
            }

            OnData(segment, now);
        }

        if (segment.Has(TcpFlags.Fin) && segment.Sequence + (uint)segment.Payload.Length == _receiveNext && !_finReceived)
        {
            OnFin(now);
        }
    }

    /// <returns>False when the segment is to be dropped (it acknowledges what was never sent).</returns>
    private bool OnAcknowledgment(in TcpSegment segment, long now)
    {
        uint ack = segment.Acknowledgment;
        if (After(ack, _sendMax))
        {
            _ackNow = true; // acknowledges the future: drop it, and say where we are
            return false;
        }

        uint window = (uint)segment.Window << _sendScale;
        bool windowUpdate = Before(_windowUpdateSequence, segment.Sequence)
            || (_windowUpdateSequence == segment.Sequence && BeforeOrEqual(_windowUpdateAcknowledgment, ack));
        if (After(ack, _sendUnacknowledged))
        {
            OnNewAcknowledgment(ack, now);
        }
        else if (ack == _sendUnacknowledged && segment.Payload.IsEmpty && !segment.Has(TcpFlags.Fin) && window == _sendWindow && _sendMax != _sendUnacknowledged)
        {
            OnDuplicateAcknowledgment();
        }

        if (windowUpdate)
        {
            bool opened = _sendWindow == 0 && window > 0;
            _sendWindow = window;
            _windowUpdateSequence = segment.Sequence;
            _windowUpdateAcknowledgment = ack;
            if (opened)
            {
                ProbeAt = Never;
                _probes = 0;
                ArmKeepAlive(now);
            }
        }

        if (_sendWindow == 0 && _buffered > (int)(_sendNext - _sendUnacknowledged) && _sendNext == _sendUnacknowledged && _probeAt == Never)
        {
            ProbeAt = now + _rto.Current.Ticks; // the persist timer (RFC 9293 section 3.8.6.1)
        }

        // Our FIN acknowledged: the states that waited for it move on.
        if (_finQueued && _sendUnacknowledged == _sendMax && _buffered == 0)
        {
            switch (State)
            {
                case TcpState.FinWait1:
                    State = TcpState.FinWait2;
                    ReleaseWhenDone();
                    break;
                case TcpState.Closing:
                    EnterTimeWait(now);
                    break;
                case TcpState.LastAck:
                    Close(TcpConnectionError.None);
                    return false;
            }
        }

        return true;
    }

    private void OnNewAcknowledgment(uint ack, long now)
    {
        int acknowledged = (int)(ack - _sendUnacknowledged);
        SampleRoundTrip(ack, now);

        // The bytes acknowledged leave the buffer; the FIN's sequence number is not a byte.
        int bytes = Math.Min(acknowledged, _buffered);
        _send.Advance(bytes);
        _buffered -= bytes;
        _sendUnacknowledged = ack;
        if (Before(_sendNext, ack))
        {
            _sendNext = ack;
        }

        int flight = (int)(_sendMax - _sendUnacknowledged);
        if (_inRecovery)
        {
            if (AfterOrEqual(ack, _recover))
            {
                // A full acknowledgment ends recovery (RFC 6582 section 3.2, step 3, option 1).
                _inRecovery = false;
                _congestionWindow = Math.Min(_slowStartThreshold, Math.Max(flight, SendMss) + SendMss);
            }
            else
            {
                // A partial one: the next hole is lost too; resend it, deflate by what was acknowledged (step 4).
                _retransmitFirst = true;
                _congestionWindow = Math.Max(SendMss, _congestionWindow - acknowledged + SendMss);
            }
        }
        else if (_congestionWindow < _slowStartThreshold)
        {
            _congestionWindow += Math.Min(acknowledged, SendMss); // slow start (RFC 5681 section 3.1)
        }
        else
        {
            _congestionWindow += Math.Max(1, SendMss * SendMss / _congestionWindow); // congestion avoidance
        }

        _congestionWindow = Math.Min(_congestionWindow, 1 << 30);
        _duplicateAcks = 0;
        _retransmissions = 0;
        RetransmitAt = flight > 0 ? now + _rto.Current.Ticks : Never;
    }

    private void OnDuplicateAcknowledgment()
    {
        _duplicateAcks++;
        if (_inRecovery)
        {
            _congestionWindow += SendMss; // each duplicate means a segment left the network (RFC 6582 step 2)
            return;
        }

        if (_duplicateAcks == 3)
        {
            // Fast retransmit (RFC 5681 section 3.2), entering NewReno recovery unless this loss is of the last window's.
            int flight = (int)(_sendMax - _sendUnacknowledged);
            _slowStartThreshold = Math.Max(flight / 2, 2 * SendMss);
            _congestionWindow = _slowStartThreshold + 3 * SendMss;
            _inRecovery = true;
            _recover = _sendMax;
            _retransmitFirst = true;
            _timing = false; // the sample would include the retransmission
        }
    }

    private void OnData(in TcpSegment segment, long now)
    {
        ReadOnlySpan<byte> data = segment.Payload;
        int offset = (int)(segment.Sequence - _receiveNext);
        if (offset < 0)
        {
            data = data[Math.Min(-offset, data.Length)..]; // the start was received already
            offset = 0;
        }

        bool hadGaps = _receive.HasGaps;
        int advanced = _receive.Insert(offset, data);
        _receiveNext += (uint)advanced;
        if (offset > 0 || hadGaps || advanced < data.Length)
        {
            _ackNow = true; // out of order, a hole filled, or cut by the window: tell the sender at once (RFC 5681 section 4.2)
        }
        else if (++_unacknowledgedSegments >= 2 || data.Length < SendMss)
        {
            _ackNow = true; // every second full segment, and a short one (the end of a burst) at once
        }
        else if (_delayedAckAt == Never)
        {
            DelayedAckAt = now + _settings.DelayedAck.Ticks;
        }
    }

    private void OnFin(long now)
    {
        _receiveNext++;
        _finReceived = true;
        _ackNow = true;
        switch (State)
        {
            case TcpState.Established:
                State = TcpState.CloseWait;
                ReleaseWhenDone();
                break;
            case TcpState.FinWait1:
                if (AllAcknowledged)
                {
                    EnterTimeWait(now);
                }
                else
                {
                    State = TcpState.Closing; // a simultaneous close
                    ReleaseWhenDone();
                }

                break;
            case TcpState.FinWait2:
                EnterTimeWait(now);
                break;
        }
    }

    private void EnterTimeWait(long now)
    {
        State = TcpState.TimeWait;
        RetransmitAt = ProbeAt = DelayedAckAt = Never;
        TimeWaitAt = now + _settings.TimeWait.Ticks;
        ReleaseWhenDone();
    }

    private void SampleRoundTrip(uint ack, long now)
    {
        if (_timing && After(ack, _timedSequence))
        {
            _rto.Sample(TimeSpan.FromTicks(now - _timedAt));
            _timing = false;
        }
    }

    private void ArmKeepAlive(long now)
    {
        if (_settings.KeepAliveIdle is { } idle && _probeAt == Never)
        {
            ProbeAt = now + idle.Ticks;
        }
    }
}
