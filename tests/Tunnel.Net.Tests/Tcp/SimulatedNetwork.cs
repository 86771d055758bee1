using System.Net;
using Tunnel.Net.Stack;
using Tunnel.Net.Tcp;

namespace Tunnel.Net.Tests.Tcp;

/// <summary>
/// Two sans-IO stacks joined by a simulated link in simulated time: every packet one queues is carried to the other
/// after a delay, unless the link loses it; it may also duplicate and reorder (a per-packet random extra delay).
/// Time advances to the next arrival or timer, so a test of minutes of TCP runs in milliseconds and is repeatable.
/// </summary>
internal sealed class SimulatedNetwork
{
    public static readonly IPAddress AddressA = IPAddress.Parse("10.0.0.1"), AddressB = IPAddress.Parse("10.0.0.2");

    private readonly Random _random;
    private readonly PriorityQueue<(byte[] Packet, bool ToB), (long At, long Order)> _inFlight = new();
    private long _order;

    public SimulatedNetwork(int seed, double loss = 0, double duplicate = 0, double reorder = 0, TimeSpan? delay = null, TcpSettings? tcp = null, int mtu = 1420, TcpSettings? tcpB = null)
    {
        _random = new Random(seed);
        Loss = loss;
        Duplicate = duplicate;
        Reorder = reorder;
        Delay = delay ?? TimeSpan.FromMilliseconds(10);
        uint isn = (uint)seed * 2654435761u;
        A = new NetworkStack([AddressA], mtu, 4096, 1, tcp, () => isn += 100_003);
        B = new NetworkStack([AddressB], mtu, 4096, 2, tcpB ?? tcp, () => isn += 200_003); // B's own settings, when given
    }

    public NetworkStack A { get; }

    public NetworkStack B { get; }

    public double Loss { get; set; }

    public double Duplicate { get; set; }

    public double Reorder { get; set; }

    public TimeSpan Delay { get; set; }

    public long Now { get; private set; }

    /// <summary>The largest packet the link carries: a larger one is dropped, and a router answers with "fragmentation needed" (RFC 1191).</summary>
    public int LinkMtu { get; set; } = int.MaxValue;

    public int TooBigSent { get; private set; }

    public long PacketsCarried { get; private set; }

    public long PacketsLost { get; private set; }

    /// <summary>Takes what both stacks queued onto the link.</summary>
    public void Collect()
    {
        Collect(A, toB: true);
        Collect(B, toB: false);
    }

    /// <summary>Advances to the next event (an arrival or a timer) no later than <paramref name="limit"/>, and runs it.</summary>
    /// <returns>False when nothing is left to happen before the limit.</returns>
    public bool Step(long limit)
    {
        Collect();
        long timer = Math.Min(A.NextDeadline, B.NextDeadline);
        long arrival = _inFlight.TryPeek(out _, out var at) ? at.At : long.MaxValue;
        long next = Math.Min(timer, arrival);
        if (next == long.MaxValue || next > limit)
        {
            return false;
        }

        Now = Math.Max(Now, next);
        while (_inFlight.TryPeek(out var item, out var when) && when.At <= Now)
        {
            _inFlight.Dequeue();
            (item.ToB ? B : A).Deliver(item.Packet, Now);
        }

        A.OnTimer(Now);
        B.OnTimer(Now);
        Collect();
        return true;
    }

    /// <summary>Runs until <paramref name="done"/> holds or simulated <paramref name="within"/> passes.</summary>
    public bool RunUntil(Func<bool> done, TimeSpan within)
    {
        long limit = Now + within.Ticks;
        while (!done())
        {
            if (!Step(limit))
            {
                return done();
            }
        }

        return true;
    }

    /// <summary>ICMP "destination unreachable, fragmentation needed" from a router between the two, quoting the packet's IP header and 8 bytes.</summary>
    private static byte[] FragmentationNeeded(byte[] packet, int mtu)
    {
        byte[] router = [10, 0, 0, 254];
        var message = new byte[8 + 28];
        message[0] = 3;
        message[1] = 4;
        message[6] = (byte)(mtu >> 8);
        message[7] = (byte)mtu;
        packet.AsSpan(0, 28).CopyTo(message.AsSpan(8));
        ushort checksum = Tunnel.Testing.PacketBuilder.HeaderChecksum(message);
        message[2] = (byte)(checksum >> 8);
        message[3] = (byte)checksum;
        return Tunnel.Testing.PacketBuilder.IPv4(new IPAddress(router), new IPAddress(packet.AsSpan(12, 4)), message, protocol: 1);
    }

    private void Collect(NetworkStack from, bool toB)
    {
        var buffer = new byte[from.Mtu];
        int length;
        while ((length = from.Outbound.Dequeue(buffer)) > 0)
        {
            byte[] packet = buffer.AsSpan(0, length).ToArray();
            if (length > LinkMtu)
            {
                _inFlight.Enqueue((FragmentationNeeded(packet, LinkMtu), !toB), (Now + Delay.Ticks / 2, _order++));
                TooBigSent++;
                continue;
            }

            int copies = _random.NextDouble() < Duplicate ? 2 : 1;
            for (int i = 0; i < copies; i++)
            {
                if (_random.NextDouble() < Loss)
                {
                    PacketsLost++;
                    continue;
                }

                long delay = Delay.Ticks + (_random.NextDouble() < Reorder ? (long)(_random.NextDouble() * 3 * Delay.Ticks) : 0);
                _inFlight.Enqueue((packet, toB), (Now + delay, _order++));
                PacketsCarried++;
            }
        }
    }
}

/// <summary>A listener that accepts every handshake into a list, with a backlog.</summary>
internal sealed class TestListener(int backlog = 16) : ITcpListener
{
    private int _pending;

    public List<TcpConnection> Accepted { get; } = [];

    public bool CanAccept => _pending < backlog;

    public void OnHandshakeStarted(TcpConnection connection) => _pending++;

    public void OnHandshakeEnded(TcpConnection connection, bool established)
    {
        _pending--;
        if (established)
        {
            Accepted.Add(connection);
        }
    }
}
