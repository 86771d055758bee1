using Tunnel.Core.Collections;

namespace Tunnel.Net.Tcp;

internal sealed partial class TcpConnection : ILowerBoundHeapEntry<long>
{
    /// <summary>
    /// The stack's heap of connections by deadline, once the stack holds this connection: a timer armed earlier
    /// than this connection's key there moves it up (see <see cref="Arm"/>); null for a connection on its own.
    /// </summary>
    public LowerBoundHeap<TcpConnection, long>? Timers { get; set; }

    /// <inheritdoc/>
    public long HeapKey { get; set; } = Never;

    /// <inheritdoc/>
    public int HeapSlot { get; set; } = -1;

    /// <inheritdoc/>
    public long EarliestDeadline => NextDeadline;

    /// <summary>Runs the timers due at <paramref name="now"/>: retransmission, delayed ACK, persist and keepalive probes, TIME-WAIT.</summary>
    public void OnTimer(long now)
    {
        if (State == TcpState.Closed)
        {
            return;
        }

        if (now >= _timeWaitAt)
        {
            Close(TcpConnectionError.None);
            return;
        }

        if (now >= _delayedAckAt)
        {
            DelayedAckAt = Never;
            _ackNow = true;
        }

        if (now >= _retransmitAt)
        {
            OnRetransmissionTimeout(now);
            if (State == TcpState.Closed)
            {
                return;
            }
        }

        if (now >= _probeAt)
        {
            OnProbeTimer(now);
        }

        Observer?.OnChanged(this);
    }

    private void OnRetransmissionTimeout(long now)
    {
        RetransmitAt = Never;
        int limit = State is TcpState.SynSent or TcpState.SynReceived ? _settings.MaxSynRetransmissions : _settings.MaxRetransmissions;
        if (++_retransmissions > limit)
        {
            Close(TcpConnectionError.TimedOut);
            return;
        }

        _rto.BackOff();
        _timing = false; // Karn: no sample from a retransmitted segment

        if (State is TcpState.SynSent or TcpState.SynReceived)
        {
            _synDue = true;
            return;
        }

        // RFC 5681 section 3.1, equation 4, then go back to the first unacknowledged byte with a window of one segment.
        int flight = (int)(_sendMax - _sendUnacknowledged);
        if (flight == 0)
        {
            return;
        }

        _slowStartThreshold = Math.Max(flight / 2, 2 * SendMss);
        _congestionWindow = SendMss;
        _inRecovery = false;
        _duplicateAcks = 0;
        _sendNext = _sendUnacknowledged;
    }

    private void OnProbeTimer(long now)
    {
        ProbeAt = Never;
        bool zeroWindow = _sendWindow == 0 && _buffered > 0;
        if (zeroWindow)
        {
            // Persist: probe, backing off like the retransmission timer, for as long as the peer keeps answering.
            _probeDue = true;
            _rto.BackOff();
            ProbeAt = now + _rto.Current.Ticks;
            return;
        }

        if (_settings.KeepAliveIdle is not { } idle || State is not (TcpState.Established or TcpState.CloseWait) || _sendMax != _sendUnacknowledged)
        {
            return;
        }

        if (now - _lastHeard < idle.Ticks)
        {
            ProbeAt = _lastHeard + idle.Ticks; // heard from since: wait out the idle time again
            _probes = 0;
            return;
        }

        if (_probes >= _settings.KeepAliveProbes)
        {
            Close(TcpConnectionError.TimedOut);
            return;
        }

        _probes++;
        _probeDue = true;
        ProbeAt = now + _settings.KeepAliveInterval.Ticks;
    }

    private long RetransmitAt
    {
        get => _retransmitAt;
        set => Arm(_retransmitAt = value);
    }

    private long DelayedAckAt
    {
        get => _delayedAckAt;
        set => Arm(_delayedAckAt = value);
    }

    private long ProbeAt
    {
        get => _probeAt;
        set => Arm(_probeAt = value);
    }

    private long TimeWaitAt
    {
        get => _timeWaitAt;
        set => Arm(_timeWaitAt = value);
    }

    /// <summary>
    /// Keeps the heap's key a lower bound of every armed timer: a timer set earlier than the key moves the
    /// connection up the heap; one set later, as every acknowledgment does to the retransmission timer, costs
    /// one comparison, and the heap notices when the connection reaches its top.
    /// </summary>
    private void Arm(long at)
    {
        if (at < HeapKey)
        {
            Timers?.Lower(this, at);
        }
    }
}
