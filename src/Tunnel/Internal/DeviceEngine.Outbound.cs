using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>The outbound pump: TUN read batch, cryptokey routing and sealing in place, batched send.</summary>
internal sealed partial class DeviceEngine
{
    private void RunOutbound()
    {
        int batchSize = Math.Max(_tun.BatchSize, 1);
        Memory<byte>[] buffers = _pool.RentBatch(batchSize);
        var sizes = new int[batchSize];
        var transmits = new TransmitBatch(_pool.RentBatch(batchSize), 2 * batchSize);

        while (!_stopping)
        {
            int count = _tun.Read(buffers, sizes, PacketBufferPool.HeadRoom);
            if (count == 0)
            {
                if (!_stopping)
                {
                    throw new IOException($"The TUN device {Name} was closed.");
                }

                return;
            }

            lock (_gate)
            {
                TimeSpan now = Now;
                for (int i = 0; i < count; i++)
                {
                    Span<byte> buffer = buffers[i].Span;
                    PacketResult result = _device.Encapsulate(buffer.Slice(PacketBufferPool.HeadRoom, sizes[i]), buffer, now);
                    if (result.Action == PacketAction.WriteToNetwork)
                    {
                        if (transmits.IsFull)
                        {
                            Flush(transmits);
                        }

                        transmits.Add(buffers[i][..result.Length], result.Endpoint);
                    }
                }

                DrainTransmits(transmits, now);
                AfterDeviceCalls(now);
            }

            EngineCounters.Add(ref Counters.TunnelPacketsRead, count);
            Flush(transmits);
        }
    }
}
