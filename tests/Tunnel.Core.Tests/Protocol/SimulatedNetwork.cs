using System.Buffers.Binary;
using System.Net;
using Tunnel.Core.Crypto;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol;
using Tunnel.Core.Tests.Support;
using Tunnel.Testing;

namespace Tunnel.Core.Tests.Protocol;

/// <summary>
/// Two devices joined by a channel that loses, duplicates and delays (so reorders) datagrams, driven in
/// simulated time: every timer deadline and every delivery happens at its own instant, in order. It
/// records what a model-based test checks: every datagram with the time it left, every packet delivered.
/// </summary>
internal sealed class SimulatedNetwork
{
    private readonly PriorityQueue<InFlight, (TimeSpan, long)> _inFlight = new();
    private readonly Random _random;
    private readonly byte[] _buffer = new byte[2048];
    private readonly byte[] _reply = new byte[2048];
    private long _sequence;

    internal SimulatedNetwork(int seed)
    {
        _random = new Random(seed);
        Now = TimeSpan.FromHours(2);
        A = new Device(new DeviceOptions { PrivateKey = PrivateKey.Create(Bytes.Random(32, seed)) }, new DeterministicEntropy(seed + 1));
        B = new Device(new DeviceOptions { PrivateKey = PrivateKey.Create(Bytes.Random(32, seed + 2)) }, new DeterministicEntropy(seed + 3));
        var bOnA = A.AddPeer(B.PublicKey);
        var aOnB = B.AddPeer(A.PublicKey);
        A.SetEndpoint(bOnA, TwoDevices.EndpointB);
        B.SetEndpoint(aOnB, TwoDevices.EndpointA);
        A.AddAllowedIp(bOnA, new IPNetwork(new IPAddress(TwoDevices.AddressB), 32));
        B.AddAllowedIp(aOnB, new IPNetwork(new IPAddress(TwoDevices.AddressA), 32));
    }

    internal Device A { get; }

    internal Device B { get; }

    internal TimeSpan Now { get; private set; }

    /// <summary>Loss, duplication and maximum extra delay of the channel; change them between phases.</summary>
    internal double Loss { get; set; }

    internal double Duplication { get; set; }

    internal TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Every datagram each device sent, with the time it left.</summary>
    internal List<(byte[] Datagram, TimeSpan SentAt, bool FromA)> Sent { get; } = [];

    /// <summary>Every packet written to a tunnel: its id, when, the time its datagram left, and which side.</summary>
    internal List<(long Id, TimeSpan At, TimeSpan DatagramSentAt, bool AtB)> Delivered { get; } = [];

    internal long NextPacketId { get; private set; } = 1;

    /// <summary>Hands a new uniquely numbered packet to one device's TUN side.</summary>
    internal long SendPacket(bool fromA, int payload)
    {
        long id = NextPacketId++;
        byte[] packet = Packets.IPv4(fromA ? TwoDevices.AddressA : TwoDevices.AddressB, fromA ? TwoDevices.AddressB : TwoDevices.AddressA, Math.Max(8, payload));
        BinaryPrimitives.WriteInt64LittleEndian(packet.AsSpan(20), id);
        Device device = fromA ? A : B;
        var result = device.Encapsulate(packet, _buffer, Now);
        if (result.Action == PacketAction.WriteToNetwork)
        {
            Transmit(_buffer.AsSpan(0, result.Length), fromA);
        }

        Drain(device, fromA);
        return id;
    }

    /// <summary>An attacker replays a datagram seen on the wire earlier, now.</summary>
    internal void Replay(int index)
    {
        if (Sent.Count == 0)
        {
            return;
        }

        var (datagram, sentAt, fromA) = Sent[index % Sent.Count];
        Deliver(new InFlight(datagram, sentAt, fromA));
    }

    /// <summary>Advances simulated time, firing timers and deliveries at their instants.</summary>
    internal void Tick(TimeSpan by)
    {
        TimeSpan end = Now + by;
        while (true)
        {
            TimeSpan timers = Min(A.NextDeadline.Time, B.NextDeadline.Time);
            TimeSpan delivery = _inFlight.TryPeek(out _, out var priority) ? priority.Item1 : TimeSpan.MaxValue;
            TimeSpan next = Min(timers, delivery);
            if (next > end)
            {
                break;
            }

            Now = next > Now ? next : Now;
            if (delivery <= timers)
            {
                Deliver(_inFlight.Dequeue());
            }
            else
            {
                A.HandleTimeout(Now);
                B.HandleTimeout(Now);
                Drain(A, fromA: true);
                Drain(B, fromA: false);
            }
        }

        Now = end;
    }

    private void Drain(Device device, bool fromA)
    {
        while (device.TryDequeueTransmit(_buffer, Now, out var transmit))
        {
            Transmit(_buffer.AsSpan(0, transmit.Length), fromA);
        }
    }

    private void Transmit(ReadOnlySpan<byte> datagram, bool fromA)
    {
        byte[] copy = datagram.ToArray();
        Sent.Add((copy, Now, fromA));
        int copies = _random.NextDouble() < Loss ? 0 : _random.NextDouble() < Duplication ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            TimeSpan at = Now + TimeSpan.FromTicks((long)(_random.NextDouble() * MaxDelay.Ticks));
            _inFlight.Enqueue(new InFlight(copy, Now, fromA), (at, _sequence++));
        }
    }

    private void Deliver(InFlight datagram)
    {
        Device receiver = datagram.FromA ? B : A;
        var result = receiver.Decapsulate(datagram.Bytes, datagram.FromA ? TwoDevices.EndpointA : TwoDevices.EndpointB, _reply, Now);
        if (result.Action == PacketAction.WriteToTunnel)
        {
            long id = BinaryPrimitives.ReadInt64LittleEndian(_reply.AsSpan(20));
            Delivered.Add((id, Now, datagram.SentAt, datagram.FromA));
        }
        else if (result.Action == PacketAction.WriteToNetwork)
        {
            Transmit(_reply.AsSpan(0, result.Length), !datagram.FromA);
        }

        Drain(A, fromA: true);
        Drain(B, fromA: false);
    }

    internal static bool IsInitiation(byte[] datagram) => MessageLayout.Classify(datagram) == MessageType.HandshakeInitiation;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private readonly record struct InFlight(byte[] Bytes, TimeSpan SentAt, bool FromA);
}
