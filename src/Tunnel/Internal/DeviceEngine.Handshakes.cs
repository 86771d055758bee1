using Tunnel.Core;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>
/// The handshake worker: received initiations and responses wait in a bounded queue and are processed here,
/// their Diffie-Hellman work outside the device lock, so neither a flood of handshakes nor an honest one
/// delays transport data on the pumps.
/// </summary>
internal sealed partial class DeviceEngine
{
    /// <summary>As wireguard-go's handshake queue; a backlog of an eighth of it (the core's default) means "under load".</summary>
    internal const int HandshakeQueueCapacity = 1024;

    private readonly HandshakeQueue _handshakes = new(HandshakeQueueCapacity);
    private long _handshakesRefused;

    /// <summary>Handshake messages refused because the queue was full.</summary>
    private long HandshakesRefused => Interlocked.Read(ref _handshakesRefused);

    /// <summary>
    /// Hands a handshake message of the right size to the worker; false for anything else, which the pump
    /// gives to the device as before (a cookie reply, or a malformed message to be dropped and counted).
    /// </summary>
    private bool TryQueueHandshake(ReadOnlySpan<byte> datagram, UdpEndpoint source)
    {
        bool isHandshake = datagram.Length switch
        {
            MessageLayout.InitiationSize => datagram[0] == 1,
            MessageLayout.ResponseSize => datagram[0] == 2,
            _ => false,
        };
        if (!isHandshake || datagram[1] != 0 || datagram[2] != 0 || datagram[3] != 0)
        {
            return false;
        }

        if (!_handshakes.TryEnqueue(datagram, source))
        {
            Interlocked.Increment(ref _handshakesRefused);
        }

        return true;
    }

    private void RunHandshakes()
    {
        PacketBufferPool pool = _pool;
        var control = new TransmitBatch(pool.RentBatch(HandshakeSpares), HandshakeSpares);
        Span<byte> message = stackalloc byte[HandshakeQueue.SlotSize];
        while (_handshakes.TryDequeue(message, out int length, out UdpEndpoint source))
        {
            if (!ReferenceEquals(pool, _pool))
            {
                Flush(control);
                pool = _pool; // a completed handshake may release staged packets of the new, larger MTU
                control = new TransmitBatch(pool.RentBatch(HandshakeSpares), HandshakeSpares);
            }

            if (!control.HasSpare)
            {
                Flush(control);
            }

            ReadOnlySpan<byte> datagram = message[..length];
            Span<byte> answer = control.PeekSpare().Span;
            PacketResult result;
            HandshakeJob job;
            bool more;
            lock (_gate)
            {
                TimeSpan now = Now;
                _device.ReportHandshakeBacklog(_handshakes.Count + 1, now);
                result = _device.PrepareHandshake(datagram, source, answer, now, out job);
                more = Finish(control, result, now);
            }

            while (result.Action == PacketAction.Handshake)
            {
                job.Run(datagram); // the X25519 work: outside the lock, so the pumps run on
                lock (_gate)
                {
                    TimeSpan now = Now;
                    result = _device.ContinueHandshake(datagram, source, answer, ref job, now);
                    more = Finish(control, result, now);
                }
            }

            // Answers go out together while a burst lasts, and at once when the queue is empty.
            if (more || _handshakes.Count == 0 || !control.HasSpare)
            {
                FlushAll(control, more);
            }
        }

        Flush(control);
    }

    /// <summary>Under the lock: a final result's answer into the batch, then what the core queued, then the timer.</summary>
    /// <returns>Whether the core holds transmits the batch had no room for.</returns>
    private bool Finish(TransmitBatch control, PacketResult result, TimeSpan now)
    {
        if (result.Action == PacketAction.Handshake)
        {
            return false;
        }

        if (result.Action == PacketAction.WriteToNetwork)
        {
            control.CommitSpare(result.Length, result.Endpoint);
        }

        bool more = DrainTransmits(control, now);
        AfterDeviceCalls(now);
        return more;
    }
}
