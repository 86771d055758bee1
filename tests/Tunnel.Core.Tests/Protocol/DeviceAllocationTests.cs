using Tunnel.Core.Protocol;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Protocol;

/// <summary>Steady state allocates nothing: not per transport packet, not per handshake.</summary>
public sealed class DeviceAllocationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ALoopOfFullHandshakes_AllocatesNothing(bool initiationInSteps)
    {
        var net = new TwoDevices();
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 64));
        byte[] packet = Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 64);
        byte[] a = new byte[2048], b = new byte[2048];
        var now = net.Now;

        // Every 121 s the initiator's next packet triggers a rekey: initiation, response, confirming keepalive.
        void Rekey()
        {
            now += TimeSpan.FromSeconds(121);
            Require(net.A.Encapsulate(packet, a, now), PacketAction.WriteToNetwork);
            Require(net.B.Decapsulate(a.AsSpan(0, 16 + 96 + 16), TwoDevices.EndpointA, b, now), PacketAction.WriteToTunnel);
            PacketResult initiation;
            if (initiationInSteps)
            {
                Assert.True(net.A.TryDequeueTransmit(a, now, out PacketResult pending, out _, out HandshakeJob job));
                Require(pending, PacketAction.Handshake);
                job.Run(default);
                initiation = net.A.ContinueHandshake(default, default, a, ref job, now);
                Require(initiation, PacketAction.WriteToNetwork);
            }
            else
            {
                Assert.True(net.A.TryDequeueTransmit(a, now, out initiation));
            }

            var response = net.B.Decapsulate(a.AsSpan(0, initiation.Length), TwoDevices.EndpointA, b, now);
            Require(response, PacketAction.WriteToNetwork);
            Require(net.A.Decapsulate(b.AsSpan(0, response.Length), TwoDevices.EndpointB, a, now), PacketAction.None);
            Assert.True(net.A.TryDequeueTransmit(a, now, out var keepalive));
            Require(net.B.Decapsulate(a.AsSpan(0, keepalive.Length), TwoDevices.EndpointA, b, now), PacketAction.None);
            while (net.A.TryDequeueEvent(out _) || net.B.TryDequeueEvent(out _))
            {
            }
        }

        Assert.Equal(0, AllocatedBytes(Rekey, warmup: 10, iterations: 50));
    }

    [Fact]
    public void ThousandsOfTransportPackets_InPlace_AllocateNothing()
    {
        var net = new TwoDevices();
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 64));
        net.SendFromB(Packets.IPv4(TwoDevices.AddressB, TwoDevices.AddressA, 64));
        byte[] packet = Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 1400);
        byte[] buffer = new byte[2048];
        var now = net.Now;

        void RoundTrip()
        {
            // The packet sits at offset 16 of the buffer, so both seal and open run in place.
            packet.CopyTo(buffer, 16);
            var sealedResult = net.A.Encapsulate(buffer.AsSpan(16, packet.Length), buffer, now);
            Require(sealedResult, PacketAction.WriteToNetwork);
            Require(net.B.Decapsulate(buffer.AsSpan(0, sealedResult.Length), TwoDevices.EndpointA, buffer.AsSpan(16), now), PacketAction.WriteToTunnel);
        }

        Assert.Equal(0, AllocatedBytes(RoundTrip, warmup: 100, iterations: 5000));
        Assert.True(packet.AsSpan().SequenceEqual(buffer.AsSpan(16, packet.Length)));
    }

    private static void Require(PacketResult result, PacketAction action)
    {
        if (result.Action != action)
        {
            throw new InvalidOperationException($"Expected {action}, got {result}.");
        }
    }

    private static long AllocatedBytes(Action action, int warmup, int iterations)
    {
        for (int i = 0; i < warmup; i++)
        {
            action();
        }

        long fewest = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < iterations; i++)
            {
                action();
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
