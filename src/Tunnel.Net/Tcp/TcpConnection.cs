using Tunnel.Net.Packets;

namespace Tunnel.Net.Tcp;

/// <summary>
/// One TCP connection, sans-IO (RFC 9293): its state, its send and receive buffers, and its timers. Segments from
/// the peer go in through <see cref="OnSegment"/>, the segments to send come out of <see cref="TryWriteSegment"/>, and
/// time moves only through the <c>now</c> arguments (in <see cref="TimeSpan"/> ticks from any fixed origin), so a test
/// drives it in simulated time. Not thread-safe: the stack serialises every call.
/// </summary>
/// <remarks>
/// Reliability and congestion control: RFC 6298 retransmission timeout with Karn's algorithm, slow start and
/// congestion avoidance (RFC 5681), fast retransmit and NewReno recovery (RFC 6582), window scaling (RFC 7323),
/// out-of-order reassembly, delayed acknowledgments (every second full segment, else <see cref="TcpSettings.DelayedAck"/>),
/// zero-window probing, keepalive, and the RFC 5961 defences against blind resets and SYNs (challenge ACKs).
/// </remarks>
internal sealed partial class TcpConnection
{
    private const long Never = long.MaxValue;

    private readonly TcpSettings _settings;
    private readonly TcpMemory _memory;
    private readonly ByteRing _send;
    private readonly ReceiveBuffer _receive;
    private readonly int _offeredScale;
    private int _receiveScale; // the offered shift once the peer's SYN agreed to scaling, else 0

    // Send sequence space (RFC 9293 section 3.3.1).
    private readonly uint _initialSend;
    private uint _sendUnacknowledged;
    private uint _sendNext;
    private uint _sendMax;
    private uint _sendWindow;
    private uint _windowUpdateSequence;
    private uint _windowUpdateAcknowledgment;
    private int _sendScale;
    private int _buffered; // bytes in the send ring, from the oldest unacknowledged
    private bool _finQueued;
    private bool _synAcknowledged;
    private bool _writerWaitsForMemory;
    private bool _detached;

    // Receive sequence space.
    private uint _receiveNext;
    private bool _finReceived;
    private bool _sackPermitted;
    private int _lastAdvertisedWindow;

    // Congestion control.
    private int _congestionWindow;
    private int _slowStartThreshold = int.MaxValue;
    private int _duplicateAcks;
    private bool _inRecovery;
    private uint _recover;
    private bool _retransmitFirst;

    // Round-trip timing: one segment at a time, never a retransmitted one (Karn).
    private RetransmissionTimeout _rto;
    private bool _timing;
    private uint _timedSequence;
    private long _timedAt;

    // Timers, as absolute times; set through the properties below, which keep the stack's heap told.
    private long _retransmitAt = Never;
    private long _delayedAckAt = Never;
    private long _probeAt = Never;
    private long _timeWaitAt = Never;
    private int _retransmissions;
    private int _probes;
    private long _lastHeard;

    // What to send next besides data.
    private bool _synDue;
    private bool _ackNow;
    private bool _resetDue;
    private bool _probeDue;
    private int _unacknowledgedSegments;

    private TcpConnection(TcpSettings settings, TcpMemory memory, TcpEndpoints endpoints, uint initialSequence, int mss, long now)
    {
        _settings = settings;
        _memory = memory;
        Endpoints = endpoints;
        _send = new ByteRing(settings.SendBufferSize);
        _receive = new ReceiveBuffer(settings.ReceiveBufferSize, memory);
        _offeredScale = ScaleFor(settings.ReceiveBufferSize);
        _initialSend = _sendUnacknowledged = _sendNext = _sendMax = initialSequence;
        LocalMss = mss;
        SendMss = Math.Min(mss, endpoints.IsIPv6 ? 1220 : 536); // until the peer's SYN says otherwise (RFC 9293 section 3.7.1)
        _congestionWindow = InitialWindow(SendMss);
        _lastHeard = now;
    }

    /// <summary>The two ends.</summary>
    public TcpEndpoints Endpoints { get; }

    public TcpState State { get; private set; }

    /// <summary>Why the connection ended abnormally; <see cref="TcpConnectionError.None"/> while it lives or after an orderly close.</summary>
    public TcpConnectionError Error { get; private set; }

    /// <summary>The MSS we offer: the MTU less the IP and TCP headers.</summary>
    public int LocalMss { get; }

    /// <summary>The largest segment we send: the smaller of ours and the peer's.</summary>
    public int SendMss { get; private set; }

    /// <summary>Told after any change a waiter may care about (data, room, state); called under the stack's lock.</summary>
    public ITcpConnectionObserver? Observer { get; set; }

    /// <summary>Whether the last segment taken was one a reset must answer (an ACK in SYN-SENT that acknowledges no SYN of ours).</summary>
    public bool NeedsReset { get; private set; }

    /// <summary>Bytes the application can read now.</summary>
    public int Readable => _receive.Readable;

    /// <summary>Whether the peer has closed its side and every byte before its FIN has been read.</summary>
    public bool ReadCompleted => _finReceived && _receive.Readable == 0;

    /// <summary>Room for the application's bytes in the send buffer; 0 once the connection cannot send.</summary>
    public int Writable => CanSend ? _send.Capacity - _buffered : 0;

    /// <summary>Whether the application may still queue bytes (its side is open and the connection alive).</summary>
    public bool CanSend => !_finQueued && State is TcpState.SynSent or TcpState.SynReceived or TcpState.Established or TcpState.CloseWait;

    public bool IsEstablished => State is not (TcpState.Closed or TcpState.SynSent or TcpState.SynReceived);

    /// <summary>Whether every byte queued (and our FIN, once queued) has been acknowledged.</summary>
    public bool AllAcknowledged => _buffered == 0 && (!_finQueued || _sendUnacknowledged == _sendMax);

    /// <summary>The round-trip time the timeout follows; zero before a sample.</summary>
    public TimeSpan SmoothedRoundTrip => _rto.SmoothedRoundTrip;

    public int CongestionWindow => _congestionWindow;

    /// <summary>The peer's window, scaled: what it can take beyond the oldest unacknowledged byte.</summary>
    public uint PeerWindow => _sendWindow;

    /// <summary>The retransmission timeout now.</summary>
    public TimeSpan RetransmissionTimeout => _rto.Current;

    /// <summary>The earliest time <see cref="OnTimer"/> has work; <see cref="long.MaxValue"/> for none.</summary>
    public long NextDeadline => State == TcpState.Closed ? Never : Math.Min(Math.Min(_retransmitAt, _delayedAckAt), Math.Min(_probeAt, _timeWaitAt));

    /// <summary>Whether <see cref="TryWriteSegment"/> has something to send now.</summary>
    public bool HasOutput => _resetDue || _synDue || _ackNow || _probeDue || _retransmitFirst || HasDataOrFinToSend;

    /// <summary>Whether the connection's buffers hold room in the stack's memory.</summary>
    public bool HoldsMemory => _send.IsAllocated || _receive.IsAllocated;

    /// <summary>An active open: a SYN is due.</summary>
    public static TcpConnection Connect(TcpSettings settings, TcpMemory memory, TcpEndpoints endpoints, uint initialSequence, int mss, long now)
    {
        var connection = new TcpConnection(settings, memory, endpoints, initialSequence, mss, now) { State = TcpState.SynSent };
        connection._synDue = true;
        return connection;
    }

    /// <summary>A passive open, from a SYN to a listening port: a SYN-ACK is due.</summary>
    public static TcpConnection Accept(TcpSettings settings, TcpMemory memory, TcpEndpoints endpoints, in TcpSegment syn, uint initialSequence, int mss, long now)
    {
        var connection = new TcpConnection(settings, memory, endpoints, initialSequence, mss, now) { State = TcpState.SynReceived };
        connection.TakeSynOptions(syn);
        connection._receiveNext = syn.Sequence + 1;
        connection._synDue = true;
        return connection;
    }

    /// <summary>Queues application bytes to send.</summary>
    /// <returns>How many were taken: up to the room in the send buffer; 0 when full, when the connection cannot send, or
    /// while the stack's memory has no room for the buffer (the observer is told when it has).</returns>
    public int Write(ReadOnlySpan<byte> data)
    {
        int count = Math.Min(data.Length, Writable);
        if (count > 0 && !_send.TryAllocate(_memory))
        {
            _writerWaitsForMemory = true;
            return 0;
        }

        _send.Write(_buffered, data[..count]);
        _buffered += count;
        return count;
    }

    /// <summary>Reads in-order bytes; opens the window again, offering an update when it grew enough to matter.</summary>
    public int Read(Span<byte> destination)
    {
        int read = _receive.Read(destination);
        if (read > 0 && IsEstablished && !_finReceived)
        {
            // Receiver-side silly window avoidance (RFC 9293 section 3.8.6.2.2): announce the window when it grew by a
            // segment or half the buffer, and at once when it was closed.
            int grown = _receive.Window - _lastAdvertisedWindow;
            if (_lastAdvertisedWindow < SendMss || grown >= Math.Min(_receive.Capacity / 2, 2 * LocalMss))
            {
                _ackNow = true;
            }
        }

        ReleaseWhenDone();
        return read;
    }

    /// <summary>
    /// The application let the connection go (after <see cref="Shutdown"/> or <see cref="Abort"/>): it reads no more, so
    /// the receive buffer goes once no more can arrive, and data that still arrives is answered with a reset, as a
    /// closed socket's is.
    /// </summary>
    public void Detach()
    {
        _detached = true;
        ReleaseWhenDone();
    }

    /// <summary>
    /// Room was given back to the stack's memory: a writer that waited for it is told, and a window that was closed
    /// for want of it is offered again.
    /// </summary>
    public void OnMemoryGiven()
    {
        if (_writerWaitsForMemory)
        {
            _writerWaitsForMemory = false;
            Observer?.OnChanged(this);
        }

        if (_lastAdvertisedWindow == 0 && IsEstablished && !_finReceived && State != TcpState.TimeWait && _receive.Window > 0)
        {
            _ackNow = true;
        }
    }

    /// <summary>The application closed its side: a FIN follows the bytes queued.</summary>
    public void Shutdown()
    {
        if (_finQueued || State is TcpState.Closed or TcpState.TimeWait)
        {
            return;
        }

        if (State == TcpState.SynSent)
        {
            Close(TcpConnectionError.None); // nothing was ever established
            return;
        }

        _finQueued = true;
        State = State switch
        {
            TcpState.Established or TcpState.SynReceived => TcpState.FinWait1,
            TcpState.CloseWait => TcpState.LastAck,
            _ => State,
        };
    }

    /// <summary>Aborts: a reset goes to the peer (unless nothing was sent yet) and the connection is closed.</summary>
    public void Abort()
    {
        if (State == TcpState.Closed)
        {
            return;
        }

        _resetDue = State != TcpState.SynSent && State != TcpState.TimeWait;
        Close(TcpConnectionError.Aborted);
    }

    /// <summary>
    /// Path MTU discovery (RFC 1191, RFC 8201): a segment starting at <paramref name="sequence"/> was too big for a link;
    /// from now on no segment is larger than <paramref name="mss"/> (never below IPv4's 536 or IPv6's 1220 bytes), and
    /// what is in flight is sent again in the smaller size. Not a congestion signal: the windows stay.
    /// </summary>
    /// <returns>Whether it was believed: the sequence number is in flight, and the size smaller than the one in use.</returns>
    public bool OnPathMtu(int mss, uint sequence)
    {
        if (!SequenceNumber.InWindow(sequence, _sendUnacknowledged, _sendNext - _sendUnacknowledged))
        {
            return false;
        }

        int floor = Endpoints.IsIPv6 ? 1220 : 536;
        int smaller = Math.Max(mss, floor);
        if (smaller >= SendMss)
        {
            return false;
        }

        SendMss = smaller;
        _sendNext = _sendUnacknowledged; // the segments in flight were too big: resend them cut to size
        _timing = false;
        return true;
    }

    private bool HasDataOrFinToSend
    {
        get
        {
            if (!_synAcknowledged || State is TcpState.Closed or TcpState.TimeWait)
            {
                return false;
            }

            int unsent = _buffered - (int)(_sendNext - _sendUnacknowledged);
            if (unsent > 0)
            {
                int inFlight = (int)(_sendNext - _sendUnacknowledged);
                return Math.Min((long)_sendWindow, _congestionWindow) > inFlight;
            }

            return _finQueued && !FinSentAt(_sendNext);
        }
    }

    /// <summary>Whether the FIN's sequence number lies before <paramref name="next"/>, that is, has been sent.</summary>
    private bool FinSentAt(uint next) => _finQueued && (int)(next - _sendUnacknowledged) > _buffered;

    private void Close(TcpConnectionError error)
    {
        State = TcpState.Closed;
        if (Error == TcpConnectionError.None)
        {
            Error = error;
        }

        RetransmitAt = DelayedAckAt = ProbeAt = TimeWaitAt = Never;
        _synDue = _ackNow = _probeDue = _retransmitFirst = false;
        ReleaseWhenDone();
        Observer?.OnChanged(this);
    }

    /// <summary>
    /// Gives the buffers' memory back once they are done with: the send buffer when nothing more can be sent (our FIN
    /// acknowledged, or the connection over), the receive buffer when nothing more can arrive and nothing is left to
    /// read (or the application let go).
    /// </summary>
    private void ReleaseWhenDone()
    {
        if (State is TcpState.Closed or TcpState.TimeWait or TcpState.FinWait2)
        {
            _send.Release(_memory);
        }

        if ((State is TcpState.Closed or TcpState.TimeWait || (_finReceived && State is TcpState.CloseWait or TcpState.LastAck or TcpState.Closing)) && (_receive.Readable == 0 || _detached))
        {
            _receive.Release();
        }
    }

    private void TakeSynOptions(in TcpSegment syn)
    {
        if (syn.MaximumSegmentSize > 0)
        {
            SendMss = Math.Min(LocalMss, Math.Max((int)syn.MaximumSegmentSize, 88)); // RFC 9293: never below the minimum useful size
        }

        _congestionWindow = InitialWindow(SendMss);

        // Window scaling only when both SYNs carry the option (RFC 7323 section 2.2); ours always does.
        _sendScale = Math.Max(syn.WindowScale, 0);
        _receiveScale = syn.WindowScale >= 0 ? _offeredScale : 0;
        _sendWindow = syn.Window; // never scaled in a SYN
        _sackPermitted = syn.SackPermitted;
    }

    /// <summary>The window scale we offer: the least shift that lets the window field describe the whole buffer.</summary>
    private static int ScaleFor(int bufferSize)
    {
        int scale = 0;
        while (scale < 14 && (bufferSize >> scale) > ushort.MaxValue)
        {
            scale++;
        }

        return scale;
    }

    /// <summary>RFC 6928's initial window: min(10 MSS, max(2 MSS, 14,600 bytes)).</summary>
    private static int InitialWindow(int mss) => Math.Min(10 * mss, Math.Max(2 * mss, 14600));
}

/// <summary>Told when a connection changed in a way a waiter may care about.</summary>
internal interface ITcpConnectionObserver
{
    void OnChanged(TcpConnection connection);
}
