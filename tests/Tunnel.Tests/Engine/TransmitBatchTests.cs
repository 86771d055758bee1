using System.Net;
using Tunnel.Core;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;
using Tunnel.Internal;
using Tunnel.Testing;

namespace Tunnel.Tests.Engine;

/// <summary>
/// Our initiations travel through the engine's batch as jobs: run outside the device lock, completed under
/// it, and only then sent; a batch never sends one still to complete, and one discarded is wiped.
/// </summary>
public sealed class TransmitBatchTests
{
    private static readonly IPAddress s_addressA = IPAddress.Parse("192.0.2.1"), s_addressB = IPAddress.Parse("192.0.2.2");

    [Fact]
    public void AnInitiationJob_RunAndCompleted_IsSentAndAnsweredByThePeer()
    {
        var (a, b) = Pair();
        var network = new InMemoryNetwork();
        using IDatagramSocket socketA = network.CreateSocketFactory(s_addressA).Bind(51820, 0);
        using IDatagramSocket socketB = network.CreateSocketFactory(s_addressB).Bind(51820, 0);
        var batch = NewBatch();

        Assert.Equal(PacketAction.Queued, a.Encapsulate(Ipv4Packet(), new byte[2048], TimeSpan.Zero).Action);
        Assert.True(a.TryDequeueTransmit(batch.PeekSpare().Span, TimeSpan.Zero, out PacketResult transmit, out _, out HandshakeJob job));
        Assert.Equal(PacketAction.Handshake, transmit.Action);
        Assert.True(batch.CanDeferInitiation);
        batch.DeferInitiation(job);
        job.Clear();
        Assert.True(batch.HasInitiations);
        Assert.Equal(0, batch.Count);
        Assert.Throws<InvalidOperationException>(() => batch.Flush(socketA)); // never half-made onto the wire

        batch.RunInitiations();
        batch.CompleteInitiations(a, TimeSpan.Zero);
        Assert.False(batch.HasInitiations);
        Assert.Equal(1, batch.Count);
        Assert.Equal((1, 148L), batch.Flush(socketA));

        var received = new byte[2048];
        Memory<byte>[] buffers = [received];
        var sizes = new int[1];
        var sources = new UdpEndpoint[1];
        Assert.Equal(1, socketB.Receive(buffers, sizes, sources));
        Assert.Equal(148, sizes[0]);
        PacketResult response = b.Decapsulate(received.AsSpan(0, sizes[0]), sources[0], new byte[2048], TimeSpan.Zero);
        Assert.Equal(PacketAction.WriteToNetwork, response.Action);
    }

    [Fact]
    public void AtMostMaxInitiations_WaitInABatch_AndDiscardedOnesAreNotSent()
    {
        var batch = NewBatch();
        var a = new Device(new DeviceOptions { PrivateKey = PrivateKey.Create(Enumerable.Repeat((byte)1, 32).ToArray()) }, new DeterministicEntropy(1));
        for (int i = 0; i < TransmitBatch.MaxInitiations; i++)
        {
            // One peer each: 10.0.1.i behind a gateway of its own.
            var peerKey = PrivateKey.Create(Enumerable.Repeat((byte)(10 + i), 32).ToArray()).GetPublicKey();
            Peer peer = a.AddPeer(peerKey);
            a.SetEndpoint(peer, new UdpEndpoint([192, 0, 2, (byte)(10 + i)], 51820));
            a.AddAllowedIp(peer, new IPNetwork(new IPAddress([10, 0, 1, (byte)i]), 32));

            Assert.True(batch.CanDeferInitiation);
            byte[] packet = Ipv4Packet();
            packet[19] = (byte)i;
            packet[18] = 1;
            Assert.Equal(PacketAction.Queued, a.Encapsulate(packet, new byte[2048], TimeSpan.Zero).Action);
            Assert.True(a.TryDequeueTransmit(batch.PeekSpare().Span, TimeSpan.Zero, out PacketResult transmit, out _, out HandshakeJob job));
            Assert.Equal(PacketAction.Handshake, transmit.Action);
            batch.DeferInitiation(job);
        }

        Assert.False(batch.CanDeferInitiation);
        batch.DiscardInitiations();
        Assert.False(batch.HasInitiations);
        Assert.True(batch.CanDeferInitiation);
        Assert.Equal(0, batch.Count);
    }

    private static TransmitBatch NewBatch()
    {
        var spares = new Memory<byte>[16];
        for (int i = 0; i < spares.Length; i++)
        {
            spares[i] = new byte[2048];
        }

        return new TransmitBatch(spares, spares.Length);
    }

    private static (Device A, Device B) Pair()
    {
        var a = new Device(new DeviceOptions { PrivateKey = PrivateKey.Create(Enumerable.Repeat((byte)1, 32).ToArray()) }, new DeterministicEntropy(1));
        var b = new Device(new DeviceOptions { PrivateKey = PrivateKey.Create(Enumerable.Repeat((byte)2, 32).ToArray()) }, new DeterministicEntropy(2));
        Peer bOnA = a.AddPeer(b.PublicKey);
        a.SetEndpoint(bOnA, new UdpEndpoint(s_addressB.GetAddressBytes(), 51820));
        a.AddAllowedIp(bOnA, new IPNetwork(IPAddress.Parse("10.0.0.2"), 32));
        Peer aOnB = b.AddPeer(a.PublicKey);
        b.AddAllowedIp(aOnB, new IPNetwork(IPAddress.Parse("10.0.0.1"), 32));
        return (a, b);
    }

    /// <summary>A minimal IPv4 packet from 10.0.0.1 to 10.0.0.2 (the device routes by destination only).</summary>
    private static byte[] Ipv4Packet()
    {
        var packet = new byte[40];
        packet[0] = 0x45;
        packet[3] = 40;
        packet[8] = 64;
        packet[9] = 17;
        new byte[] { 10, 0, 0, 1 }.CopyTo(packet, 12);
        new byte[] { 10, 0, 0, 2 }.CopyTo(packet, 16);
        return packet;
    }
}
