using System.Net;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;
using Tunnel.Core.Tests.Support;
using Tunnel.Testing;

namespace Tunnel.Core.Tests.Protocol;

/// <summary>
/// Two devices wired back to back in memory with a clock the test moves: A is 10.0.0.1 at 192.0.2.1:51820,
/// B is 10.0.0.2 (and fd00::2) at 192.0.2.2:51820. A filter on each direction lets a test lose, capture
/// or rewrite datagrams.
/// </summary>
internal sealed class TwoDevices
{
    internal static readonly byte[] AddressA = [10, 0, 0, 1];
    internal static readonly byte[] AddressB = [10, 0, 0, 2];
    internal static readonly byte[] AddressB6 = IPAddress.Parse("fd00::2").GetAddressBytes();
    internal static readonly byte[] AddressA6 = IPAddress.Parse("fd00::1").GetAddressBytes();

    private readonly byte[] _buffer = new byte[65536];
    private readonly byte[] _reply = new byte[65536];

    internal TwoDevices(int seed = 1, TimeSpan? start = null)
    {
        Now = start ?? TimeSpan.FromHours(1);
        var entropy = new DeterministicEntropy(seed);
        A = new Device(new DeviceOptions { PrivateKey = PrivateKey.Create(Bytes.Random(32, seed * 2)) }, entropy);
        B = new Device(new DeviceOptions { PrivateKey = PrivateKey.Create(Bytes.Random(32, (seed * 2) + 1)) }, new DeterministicEntropy(seed + 1000));
        BOnA = A.AddPeer(B.PublicKey);
        AOnB = B.AddPeer(A.PublicKey);
        A.SetEndpoint(BOnA, EndpointB);
        B.SetEndpoint(AOnB, EndpointA);
        A.AddAllowedIp(BOnA, new IPNetwork(new IPAddress(AddressB), 32));
        A.AddAllowedIp(BOnA, new IPNetwork(new IPAddress(AddressB6), 128));
        B.AddAllowedIp(AOnB, new IPNetwork(new IPAddress(AddressA), 32));
        B.AddAllowedIp(AOnB, new IPNetwork(new IPAddress(AddressA6), 128));
    }

    internal static UdpEndpoint EndpointA { get; } = new([192, 0, 2, 1], 51820);

    internal static UdpEndpoint EndpointB { get; } = new([192, 0, 2, 2], 51820);

    internal Device A { get; }

    internal Device B { get; }

    /// <summary>B as A sees it.</summary>
    internal Peer BOnA { get; }

    /// <summary>A as B sees it.</summary>
    internal Peer AOnB { get; }

    internal TimeSpan Now { get; set; }

    internal List<byte[]> TunnelA { get; } = [];

    internal List<byte[]> TunnelB { get; } = [];

    internal List<PacketResult> DropsA { get; } = [];

    internal List<PacketResult> DropsB { get; } = [];

    /// <summary>Datagrams A sent (after the filter let them through or not), in order.</summary>
    internal List<byte[]> SentByA { get; } = [];

    internal List<byte[]> SentByB { get; } = [];

    /// <summary>Decides the fate of each datagram from A to B: null drops it, otherwise what arrives (and from where).</summary>
    internal Func<byte[], (byte[] Datagram, UdpEndpoint From)?>? FilterAToB { get; set; }

    internal Func<byte[], (byte[] Datagram, UdpEndpoint From)?>? FilterBToA { get; set; }

    internal PacketResult SendFromA(byte[] packet) => Send(A, packet, toB: true);

    internal PacketResult SendFromB(byte[] packet) => Send(B, packet, toB: false);

    /// <summary>Delivers everything the devices owe each other until both are quiet.</summary>
    internal void Pump()
    {
        for (int round = 0; round < 1000; round++)
        {
            bool moved = false;
            while (A.TryDequeueTransmit(_buffer, Now, out var transmit))
            {
                Deliver(_buffer.AsSpan(0, transmit.Length).ToArray(), toB: true);
                moved = true;
            }

            while (B.TryDequeueTransmit(_buffer, Now, out var transmit))
            {
                Deliver(_buffer.AsSpan(0, transmit.Length).ToArray(), toB: false);
                moved = true;
            }

            if (!moved)
            {
                return;
            }
        }

        throw new InvalidOperationException("The devices never went quiet.");
    }

    /// <summary>Moves the clock forward, firing each device's timers at the times they asked for.</summary>
    internal void Advance(TimeSpan by)
    {
        TimeSpan end = Now + by;
        while (true)
        {
            TimeSpan next = Min(A.NextDeadline.Time, B.NextDeadline.Time);
            if (next > end)
            {
                break;
            }

            Now = Max(Now, next);
            A.HandleTimeout(Now);
            B.HandleTimeout(Now);
            Pump();
        }

        Now = end;
    }

    internal void Deliver(byte[] datagram, bool toB)
    {
        (toB ? SentByA : SentByB).Add(datagram);
        var filter = toB ? FilterAToB : FilterBToA;
        (byte[] Datagram, UdpEndpoint From)? delivered = filter is null ? (datagram, toB ? EndpointA : EndpointB) : filter(datagram);
        if (delivered is null)
        {
            return;
        }

        Device receiver = toB ? B : A;
        var result = receiver.Decapsulate(delivered.Value.Datagram, delivered.Value.From, _reply, Now);
        switch (result.Action)
        {
            case PacketAction.WriteToTunnel:
                (toB ? TunnelB : TunnelA).Add(_reply.AsSpan(0, result.Length).ToArray());
                break;
            case PacketAction.WriteToNetwork:
                Deliver(_reply.AsSpan(0, result.Length).ToArray(), !toB);
                break;
            case PacketAction.Drop:
                (toB ? DropsB : DropsA).Add(result);
                break;
        }

        Pump();
    }

    private PacketResult Send(Device device, byte[] packet, bool toB)
    {
        var result = device.Encapsulate(packet, _buffer, Now);
        if (result.Action == PacketAction.WriteToNetwork)
        {
            Deliver(_buffer.AsSpan(0, result.Length).ToArray(), toB);
        }

        Pump();
        return result;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
