namespace Tunnel.Net.Tcp;

internal sealed partial class TcpConnection
{
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
}
