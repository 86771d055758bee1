using System.Net.Sockets;
using Tunnel.Core;

namespace Tunnel.Interop.Tests.InProcess;

/// <summary>
/// A UDP socket factory whose sockets impair the path as netem would (this machine's kernel has no netem): each
/// datagram sent is lost with probability <see cref="Loss"/>, or else delayed by <see cref="Delay"/> plus up to
/// <see cref="Jitter"/>, which reorders those sent close together; each received is lost with the same probability.
/// Seeded, so a failure can be replayed.
/// </summary>
internal sealed class ImpairedSockets(IDatagramSocketFactory inner, double loss, TimeSpan delay, TimeSpan jitter, int seed) : IDatagramSocketFactory
{
    public double Loss { get; } = loss;

    public TimeSpan Delay { get; } = delay;

    public TimeSpan Jitter { get; } = jitter;

    public IDatagramSocket Bind(ushort port, uint firewallMark) => new Socket(inner.Bind(port, firewallMark), this, new Random(seed));

    private sealed class Socket : IDatagramSocket
    {
        private readonly IDatagramSocket _inner;
        private readonly ImpairedSockets _path;
        private readonly Random _random;
        private readonly PriorityQueue<(byte[] Datagram, UdpEndpoint Destination), long> _delayed = new();
        private readonly Thread _sender;
        private bool _disposed;

        public Socket(IDatagramSocket inner, ImpairedSockets path, Random random)
        {
            _inner = inner;
            _path = path;
            _random = random;
            _sender = new Thread(SendDelayed) { IsBackground = true, Name = "impaired path" };
            _sender.Start();
        }

        public ushort Port => _inner.Port;

        public int BatchSize => _inner.BatchSize;

        public int Receive(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, Span<UdpEndpoint> sources)
        {
            while (true)
            {
                int received = _inner.Receive(buffers, sizes, sources);
                if (received == 0)
                {
                    return 0;
                }

                int kept = 0;
                for (int i = 0; i < received; i++)
                {
                    bool lost;
                    lock (_delayed)
                    {
                        lost = _random.NextDouble() < _path.Loss;
                    }

                    if (!lost)
                    {
                        if (kept != i)
                        {
                            buffers[i].Span[..sizes[i]].CopyTo(buffers[kept].Span);
                            sizes[kept] = sizes[i];
                            sources[kept] = sources[i];
                        }

                        kept++;
                    }
                }

                if (kept > 0)
                {
                    return kept;
                }
            }
        }

        public void SetFirewallMark(uint mark) => _inner.SetFirewallMark(mark);

        public int Send(ReadOnlySpan<ReadOnlyMemory<byte>> datagrams, UdpEndpoint destination)
        {
            long now = Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
            lock (_delayed)
            {
                foreach (ReadOnlyMemory<byte> datagram in datagrams)
                {
                    if (_random.NextDouble() < _path.Loss)
                    {
                        continue;
                    }

                    long due = now + _path.Delay.Ticks + (long)(_random.NextDouble() * _path.Jitter.Ticks);
                    _delayed.Enqueue((datagram.ToArray(), destination), due);
                }

                Monitor.Pulse(_delayed);
            }

            return datagrams.Length;
        }

        public void Dispose()
        {
            lock (_delayed)
            {
                _disposed = true;
                Monitor.Pulse(_delayed);
            }

            _sender.Join();
            _inner.Dispose();
        }

        private void SendDelayed()
        {
            var one = new ReadOnlyMemory<byte>[1];
            while (true)
            {
                (byte[] Datagram, UdpEndpoint Destination) next;
                lock (_delayed)
                {
                    while (true)
                    {
                        if (_disposed)
                        {
                            return;
                        }

                        long now = Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
                        if (_delayed.TryPeek(out next, out long due) && due <= now)
                        {
                            _delayed.Dequeue();
                            break;
                        }

                        int wait = _delayed.Count == 0 ? Timeout.Infinite : (int)Math.Max(1, (due - now) / TimeSpan.TicksPerMillisecond);
                        Monitor.Wait(_delayed, wait);
                    }
                }

                one[0] = next.Datagram;
                try
                {
                    _inner.Send(one, next.Destination);
                }
                catch (SocketException)
                {
                    // A full socket buffer drops, as a link would.
                }
            }
        }
    }
}
