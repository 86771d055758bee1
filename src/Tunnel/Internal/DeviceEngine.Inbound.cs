using Tunnel.Core;
using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>The inbound pump: batched receive, opening in place (handshakes into spare buffers), batched TUN write.</summary>
internal sealed partial class DeviceEngine
{
    /// <summary>Message type 4 (transport data) and its minimum length: header plus tag (whitepaper 5.4.6).</summary>
    private const byte TransportType = 4;
    private const int MinTransportLength = 32;

    private void RunInbound()
    {
        int batchSize = Math.Max(_socket?.BatchSize ?? 1, 1);
        Memory<byte>[] buffers = _pool.RentBatch(batchSize);
        var sizes = new int[batchSize];
        var sources = new UdpEndpoint[batchSize];
        var packets = new ReadOnlyMemory<byte>[batchSize];
        var transmits = new TransmitBatch(_pool.RentBatch(batchSize), 2 * batchSize);

        while (!_stopping)
        {
            IDatagramSocket? socket = _socket;
            if (socket is null)
            {
                return;
            }

            int count = socket.Receive(buffers, sizes, sources);
            if (count == 0)
            {
                if (_stopping || !ReferenceEquals(socket, _socket))
                {
                    continue; // stopping, or the port changed and the old socket was closed
                }

                throw new IOException("The UDP socket was closed.");
            }

            int written = 0;
            long receivedBytes = 0;
            lock (_gate)
            {
                TimeSpan now = Now;
                ReportBacklog(buffers, sizes, count, now);
                for (int i = 0; i < count; i++)
                {
                    Memory<byte> buffer = buffers[i];
                    ReadOnlySpan<byte> datagram = buffer.Span[..sizes[i]];
                    receivedBytes += datagram.Length;
                    if (datagram.Length >= MinTransportLength && datagram[0] == TransportType)
                    {
                        // The plaintext lands where the ciphertext was, 16 bytes in: no copy.
                        PacketResult result = _device.Decapsulate(datagram, sources[i], buffer.Span[PacketBufferPool.HeadRoom..], now);
                        if (result.Action == PacketAction.WriteToTunnel)
                        {
                            packets[written++] = buffer.Slice(PacketBufferPool.HeadRoom, result.Length);
                        }
                    }
                    else
                    {
                        if (!transmits.HasSpare)
                        {
                            Flush(transmits);
                        }

                        PacketResult result = _device.Decapsulate(datagram, sources[i], transmits.PeekSpare().Span, now);
                        if (result.Action == PacketAction.WriteToNetwork)
                        {
                            transmits.CommitSpare(result.Length, result.Endpoint);
                        }
                    }
                }

                DrainTransmits(transmits, now);
                AfterDeviceCalls(now);
            }

            EngineCounters.Add(ref Counters.PacketsReceived, count);
            EngineCounters.Add(ref Counters.BytesReceived, receivedBytes);
            if (written > 0)
            {
                _tun.Write(packets.AsSpan(0, written));
                EngineCounters.Add(ref Counters.TunnelPacketsWritten, written);
            }

            Flush(transmits);
        }
    }

    /// <summary>
    /// Handshake messages waiting in this batch are the backlog the core's load detection reads: a batch
    /// full of initiations is what a flood looks like from here.
    /// </summary>
    private void ReportBacklog(Memory<byte>[] buffers, int[] sizes, int count, TimeSpan now)
    {
        int handshakes = 0;
        for (int i = 0; i < count; i++)
        {
            if (sizes[i] > 0 && buffers[i].Span[0] is >= 1 and <= 3)
            {
                handshakes++;
            }
        }

        if (handshakes > 0)
        {
            _device.ReportHandshakeBacklog(handshakes, now);
        }
    }
}
