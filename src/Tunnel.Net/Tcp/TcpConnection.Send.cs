using Tunnel.Net.Packets;
using static Tunnel.Net.Tcp.SequenceNumber;

namespace Tunnel.Net.Tcp;

internal sealed partial class TcpConnection
{
    /// <summary>
    /// Writes the next segment to send, TCP header first, into <paramref name="destination"/> (which holds at least
    /// <see cref="TcpSegment.SynHeaderLength"/> + <see cref="SendMss"/> bytes), in this order: a reset, a SYN, a lost
    /// segment again, new data (within the peer's window and the congestion window) and the FIN, a probe, an ACK.
    /// </summary>
    /// <param name="destination">Where the segment goes.</param>
    /// <param name="source">Our address, for the checksum.</param>
    /// <param name="remote">The peer's address, for the checksum.</param>
    /// <param name="now">The time now.</param>
    /// <returns>The segment's length; 0 when there is nothing to send.</returns>
    public int TryWriteSegment(Span<byte> destination, ReadOnlySpan<byte> source, ReadOnlySpan<byte> remote, long now)
    {
        if (_resetDue)
        {
            _resetDue = false;
            return Emit(destination, source, remote, _sendNext, TcpFlags.Rst | TcpFlags.Ack, 0, 0, now, syn: false);
        }

        if (State == TcpState.Closed)
        {
            return 0;
        }

        if (_synDue)
        {
            _synDue = false;
            if (_sendMax == _initialSend)
            {
                StartTiming(_initialSend, now); // the first SYN only (Karn)
            }
            else
            {
                _timing = false;
            }

            _sendNext = _initialSend + 1;
            _sendMax = After(_sendNext, _sendMax) ? _sendNext : _sendMax;

            ArmRetransmit(now);
            TcpFlags flags = State == TcpState.SynSent ? TcpFlags.Syn : TcpFlags.Syn | TcpFlags.Ack;
            return Emit(destination, source, remote, _initialSend, flags, 0, 0, now, syn: true);
        }

        if (_retransmitFirst)
        {
            _retransmitFirst = false;
            int length = Math.Min(_buffered, SendMss);
            if (length > 0 || FinSentAt(_sendMax))
            {
                bool fin = length == _buffered && FinSentAt(_sendMax);
                ArmRetransmit(now);
                return Emit(destination, source, remote, _sendUnacknowledged, TcpFlags.Ack | (fin ? TcpFlags.Fin : 0) | (length > 0 ? TcpFlags.Psh : 0), 0, length, now, syn: false);
            }
        }

        if (HasDataOrFinToSend)
        {
            int sentAhead = (int)(_sendNext - _sendUnacknowledged);
            int unsent = Math.Max(0, _buffered - sentAhead);
            int usable = (int)Math.Min(Math.Min((long)_sendWindow, _congestionWindow) - sentAhead, int.MaxValue);
            int length = Math.Min(Math.Min(unsent, SendMss), Math.Max(0, usable));
            bool nagleHolds = !_settings.NoDelay && length < SendMss && length == unsent && sentAhead > 0 && !_finQueued;
            if (length > 0 && !nagleHolds || (length == 0 && unsent == 0))
            {
                bool fin = _finQueued && length == unsent;
                uint sequence = _sendNext;
                bool newData = !Before(sequence, _sendMax);
                _sendNext += (uint)length + (fin ? 1u : 0u);
                if (After(_sendNext, _sendMax))
                {
                    _sendMax = _sendNext;
                }

                if (newData && !_timing && length > 0)
                {
                    StartTiming(sequence, now);
                }

                ArmRetransmit(now);
                TcpFlags flags = TcpFlags.Ack | (length > 0 && length == unsent ? TcpFlags.Psh : 0) | (fin ? TcpFlags.Fin : 0);
                return Emit(destination, source, remote, sequence, flags, sentAhead, length, now, syn: false);
            }
        }

        if (_probeDue)
        {
            // A zero-window or keepalive probe: an old sequence number, which the peer answers with an ACK carrying its window.
            _probeDue = false;
            return Emit(destination, source, remote, _sendUnacknowledged - 1, TcpFlags.Ack, 0, 0, now, syn: false);
        }

        if (_ackNow || (State == TcpState.TimeWait && _ackNow))
        {
            return Emit(destination, source, remote, _sendNext, TcpFlags.Ack, 0, 0, now, syn: false);
        }

        return 0;
    }

    private int Emit(Span<byte> destination, ReadOnlySpan<byte> source, ReadOnlySpan<byte> remote, uint sequence, TcpFlags flags, int bufferOffset, int length, long now, bool syn)
    {
        int header = syn ? TcpSegment.SynHeaderLength : TcpSegment.HeaderLength;
        if (length > 0)
        {
            _send.Read(bufferOffset, destination.Slice(header, length));
        }

        int window = _receive.Window;
        ushort field = syn ? (ushort)Math.Min(window, ushort.MaxValue) : (ushort)Math.Min(window >> _receiveScale, ushort.MaxValue);
        if ((flags & TcpFlags.Ack) != 0)
        {
            // Every segment with an ACK acknowledges everything: no delayed ACK is owed any more.
            _ackNow = false;
            DelayedAckAt = Never;
            _unacknowledgedSegments = 0;
            _lastAdvertisedWindow = syn ? field : field << _receiveScale;
        }

        (ushort, byte)? options = syn ? ((ushort)LocalMss, (byte)_offeredScale) : null;
        uint acknowledgment = (flags & TcpFlags.Ack) != 0 ? _receiveNext : 0;

        // A pure ACK while data waits out of order says which (RFC 2018); data segments keep their whole MSS for data.
        Span<uint> edges = stackalloc uint[2 * TcpSegment.MaxSackBlocks];
        int blocks = 0;
        if (_sackPermitted && flags == TcpFlags.Ack && length == 0 && _receive.HasGaps)
        {
            Span<int> ranges = stackalloc int[2 * TcpSegment.MaxSackBlocks];
            blocks = _receive.CopyRanges(ranges);
            for (int i = 0; i < 2 * blocks; i++)
            {
                edges[i] = _receiveNext + (uint)ranges[i];
            }
        }

        return TcpSegment.Write(destination, Endpoints.LocalPort, Endpoints.RemotePort, sequence, acknowledgment, flags, field, options, length, source, remote, edges[..(2 * blocks)]);
    }

    private void StartTiming(uint sequence, long now)
    {
        _timing = true;
        _timedSequence = sequence;
        _timedAt = now;
    }

    private void ArmRetransmit(long now)
    {
        if (_retransmitAt == Never)
        {
            RetransmitAt = now + _rto.Current.Ticks;
        }
    }
}
