using System.Diagnostics;
using Tunnel.Core;
using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>
/// The inbound pump: a batch of datagrams; under the lock, session lookup (handshake messages are copied to
/// the handshake worker's queue); outside it, the opens in parallel, in place; under the lock again, replay,
/// roaming and source checks in arrival order; then one TUN write for the batch.
/// </summary>
internal sealed partial class DeviceEngine
{
    /// <summary>Message type 4 (transport data) and its minimum length: header plus tag (whitepaper 5.4.6).</summary>
    private const byte TransportType = 4;
    private const int MinTransportLength = 32;

    private void RunInbound()
    {
        int batchSize = Math.Clamp(_socket?.BatchSize ?? 1, 1, MaxReceiveBatch);
        PacketBufferPool pool = _pool;
        Memory<byte>[] receiveBuffers = _receivePool.RentBatch(batchSize);
        var opens = new OpenBatch(new Memory<byte>[batchSize]);
        int[] sizes = opens.Sizes;
        var sources = new UdpEndpoint[batchSize];
        var packets = new Memory<byte>[batchSize];
        using var job = new CryptoJob();
        var control = new TransmitBatch(pool.RentBatch(batchSize), batchSize);

        while (!_stopping)
        {
            FollowMtu();
            if (!ReferenceEquals(pool, _pool))
            {
                pool = _pool; // the MTU outgrew the buffers of what the core releases (receive buffers fit any datagram)
                control = new TransmitBatch(pool.RentBatch(batchSize), batchSize);
            }

            IDatagramSocket? socket = _socket;
            if (socket is null)
            {
                return;
            }

            // The socket may lend datagrams where they lie (cut from a coalesced receive) instead of copying them
            // into our buffers; either way each one is opened in place where it is, until the next receive.
            receiveBuffers.CopyTo(opens.Buffers, 0);
            int count = socket.ReceiveLeased(opens.Buffers, sources);
            for (int i = 0; i < count; i++)
            {
                sizes[i] = opens.Buffers[i].Length;
            }

            if (count == 0)
            {
                if (_stopping || !ReferenceEquals(socket, _socket))
                {
                    continue; // stopping, or the port changed and the old socket was closed
                }

                throw new IOException("The UDP socket was closed.");
            }

            long receivedBytes = 0;
            opens.Count = 0;
            bool more;
            lock (_gate)
            {
                TimeSpan now = Now;
                for (int i = 0; i < count; i++)
                {
                    receivedBytes += sizes[i];
                    PrepareOne(opens, control, i, sizes[i], sources[i], now);
                }

                more = DrainTransmits(control, now);
                AfterDeviceCalls(now);
            }

            _handshakes.Publish(); // the receive's handshakes, to the worker at once, outside the lock
            _workers.Run(job, opens, opens.Count);

            int written = 0;
            if (more)
            {
                FlushAll(control, more); // rare: the answers and releases outgrew the batch
            }

            if (opens.Count > 0)
            {
                lock (_gate)
                {
                    TimeSpan now = Now;
                    for (int j = 0; j < opens.Count; j++)
                    {
                        int i = opens.Targets[j];
                        Memory<byte> buffer = opens.Buffers[i];
                        PacketResult result = _device.CompleteDecapsulate(buffer.Span[..sizes[i]], sources[i], buffer.Span[PacketBufferPool.HeadRoom..], ref opens.Jobs[j], now);
                        if (result.Action == PacketAction.WriteToTunnel)
                        {
                            packets[written++] = buffer[..(PacketBufferPool.HeadRoom + result.Length)];
                        }
                    }

                    more = DrainTransmits(control, now);
                    AfterDeviceCalls(now);
                }
            }

            EngineCounters.Add(ref Counters.PacketsReceived, count);
            EngineCounters.Add(ref Counters.BytesReceived, receivedBytes);
            if (written > 0)
            {
                _tun.Write(packets.AsSpan(0, written), PacketBufferPool.HeadRoom);
                EngineCounters.Add(ref Counters.TunnelPacketsWritten, written);
            }

            FlushAll(control, more);
        }
    }

    /// <summary>
    /// The first half for one datagram: a transport message becomes an open job on its own buffer (the
    /// plaintext lands 16 bytes in, where the ciphertext was); a handshake goes to the worker's queue;
    /// anything else (a cookie reply, a malformed message) is handled in full, an answer going into a spare buffer.
    /// </summary>
    private void PrepareOne(OpenBatch opens, TransmitBatch control, int i, int size, UdpEndpoint source, TimeSpan now)
    {
        Memory<byte> buffer = opens.Buffers[i];
        ReadOnlySpan<byte> datagram = buffer.Span[..size];
        if (datagram.Length >= MinTransportLength && datagram[0] == TransportType)
        {
            PacketResult prepared = _device.PrepareDecapsulate(datagram, source, buffer.Span[PacketBufferPool.HeadRoom..], now, out opens.Jobs[opens.Count]);
            if (prepared.Action == PacketAction.Open)
            {
                opens.Targets[opens.Count++] = i;
            }

            return;
        }

        if (TryQueueHandshake(datagram, source))
        {
            return;
        }

        // The batch starts each receive empty and holds a receive's worth, so every datagram has a spare for
        // its answer: nothing is sent from under the lock.
        Debug.Assert(control.HasSpare, "The control batch holds an answer for every datagram of a receive.");
        PacketResult result = _device.Decapsulate(datagram, source, control.PeekSpare().Span, now);
        if (result.Action == PacketAction.WriteToNetwork)
        {
            control.CommitSpare(result.Length, result.Endpoint);
        }
    }

    /// <summary>
    /// The open jobs of one receive batch; job <c>j</c> opens the datagram in buffer <c>Targets[j]</c> in
    /// place, whose received length is <c>Sizes[Targets[j]]</c>.
    /// </summary>
    private sealed class OpenBatch(Memory<byte>[] buffers) : ICryptoBatch
    {
        public Memory<byte>[] Buffers { get; } = buffers;

        public OpenJob[] Jobs { get; } = new OpenJob[buffers.Length];

        public int[] Targets { get; } = new int[buffers.Length];

        public int[] Sizes { get; } = new int[buffers.Length];

        public int Count { get; set; }

        public void Process(int index)
        {
            int target = Targets[index];
            Span<byte> buffer = Buffers[target].Span;
            Jobs[index].TryOpen(buffer[..Sizes[target]], buffer[PacketBufferPool.HeadRoom..]);
        }
    }
}
