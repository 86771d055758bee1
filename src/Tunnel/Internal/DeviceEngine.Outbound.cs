using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>
/// The outbound pump: a TUN read batch; under the lock, cryptokey routing, staging and nonces in read order;
/// outside it, the seals in parallel; then the batch sent in order.
/// </summary>
internal sealed partial class DeviceEngine
{
    private void RunOutbound()
    {
        int batchSize = Math.Max(_tun.BatchSize, 1);
        PacketBufferPool pool = _pool;
        var seals = new SealBatch(pool.RentBatch(batchSize));
        var sizes = new int[batchSize];
        using var job = new CryptoJob();
        // Datagrams sealed in place in the read buffers: one per packet read, so never more than a batch.
        var data = new TransmitBatch([], batchSize);
        // What the core releases besides (handshakes, keepalives, staged packets): already sealed.
        var control = new TransmitBatch(pool.RentBatch(batchSize), batchSize);

        while (!_stopping)
        {
            FollowMtu();
            if (!ReferenceEquals(pool, _pool))
            {
                pool = _pool; // the MTU outgrew the buffers
                seals = new SealBatch(pool.RentBatch(batchSize));
                control = new TransmitBatch(pool.RentBatch(batchSize), batchSize);
            }

            int mtu = _tun.Mtu;
            int count = _tun.Read(seals.Buffers, sizes, PacketBufferPool.HeadRoom);
            if (count == 0)
            {
                if (!_stopping && _tun.Mtu != mtu)
                {
                    continue; // the MTU changed during the read: follow it before the next packet
                }

                if (!_stopping)
                {
                    throw new IOException($"The TUN device {Name} was closed.");
                }

                return;
            }

            seals.Count = 0;
            bool more;
            lock (_gate)
            {
                TimeSpan now = Now;
                for (int i = 0; i < count; i++)
                {
                    Memory<byte> buffer = seals.Buffers[i];
                    PacketResult result = _device.PrepareEncapsulate(buffer.Span.Slice(PacketBufferPool.HeadRoom, sizes[i]), buffer.Span, now, out seals.Jobs[seals.Count]);
                    if (result.Action == PacketAction.WriteToNetwork)
                    {
                        seals.Targets[seals.Count++] = i;
                        data.Add(buffer[..result.Length], result.Endpoint);
                    }
                }

                more = DrainTransmits(control, now);
                AfterDeviceCalls(now);
            }

            EngineCounters.Add(ref Counters.TunnelPacketsRead, count);
            _workers.Run(job, seals, seals.Count);
            FlushAll(control, more);
            Flush(data);
        }
    }

    /// <summary>The seal jobs of one read batch; job <c>i</c> seals the read buffer <c>Targets[i]</c>.</summary>
    private sealed class SealBatch(Memory<byte>[] buffers) : ICryptoBatch
    {
        public Memory<byte>[] Buffers { get; } = buffers;

        public SealJob[] Jobs { get; } = new SealJob[buffers.Length];

        public int[] Targets { get; } = new int[buffers.Length];

        public int Count { get; set; }

        public void Process(int index) => Jobs[index].Seal(Buffers[Targets[index]].Span);
    }
}
