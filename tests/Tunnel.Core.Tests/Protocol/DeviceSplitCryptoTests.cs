using Tunnel.Core.Protocol;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Protocol;

/// <summary>
/// The two-phase API a parallel driver uses: nonces and state in order under its lock, encryption and
/// decryption anywhere, in any order.
/// </summary>
public sealed class DeviceSplitCryptoTests
{
    private static byte[] ToB(int seed, int length = 100) => Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, length, seed);

    [Fact]
    public void PrepareThenSeal_WritesExactlyWhatEncapsulateWrites()
    {
        // Two worlds from one seed are identical, so the same packet at the same time gives the same bytes.
        var one = new TwoDevices(seed: 7);
        var two = new TwoDevices(seed: 7);
        one.SendFromA(ToB(0));
        two.SendFromA(ToB(0));

        byte[] packet = ToB(1, 333);
        var whole = new byte[2048];
        var split = new byte[2048];
        PacketResult expected = one.A.Encapsulate(packet, whole, one.Now);
        PacketResult prepared = two.A.PrepareEncapsulate(packet, split, two.Now, out SealJob job);

        Assert.Equal(PacketAction.WriteToNetwork, prepared.Action);
        Assert.Equal(expected.Length, prepared.Length);
        Assert.Equal(prepared.Length, job.Length);
        Assert.True(job.IsPending);
        job.Seal(split);
        Assert.False(job.IsPending);
        Assert.Equal(whole.AsSpan(0, expected.Length).ToArray(), split.AsSpan(0, prepared.Length).ToArray());
        Assert.Throws<InvalidOperationException>(() => job.Seal(split));
    }

    [Fact]
    public void ReleasedTransmits_LeaveTheirSealToTheDriver_WhileHandshakesComeComplete()
    {
        var net = new TwoDevices();
        byte[] packet = ToB(5, 200);
        var datagram = new byte[2048];
        var reply = new byte[2048];
        Assert.Equal(PacketAction.Queued, net.A.Encapsulate(packet, datagram, net.Now).Action); // staged until a session exists

        Assert.True(net.A.TryDequeueTransmit(datagram, net.Now, out PacketResult initiation, out SealJob none));
        Assert.Equal(148, initiation.Length);
        Assert.False(none.IsPending); // a handshake message is written whole
        PacketResult response = net.B.Decapsulate(datagram.AsSpan(0, initiation.Length), TwoDevices.EndpointA, reply, net.Now);
        Assert.Equal(PacketAction.WriteToNetwork, response.Action);
        Assert.Equal(PacketAction.None, net.A.Decapsulate(reply.AsSpan(0, response.Length), TwoDevices.EndpointB, datagram, net.Now).Action);

        // The staged packet: header and padded plaintext written, the encryption left to the job.
        Assert.True(net.A.TryDequeueTransmit(datagram, net.Now, out PacketResult released, out SealJob seal));
        Assert.True(seal.IsPending);
        Assert.Equal(seal.Length, released.Length);
        Assert.Equal(packet, datagram.AsSpan(16, packet.Length).ToArray());
        byte[] unsealed = datagram.AsSpan(0, released.Length).ToArray();
        Assert.Equal(PacketAction.Drop, net.B.Decapsulate(unsealed, TwoDevices.EndpointA, reply, net.Now).Action);

        seal.Seal(datagram);
        Assert.False(seal.IsPending);
        PacketResult opened = net.B.Decapsulate(datagram.AsSpan(0, released.Length), TwoDevices.EndpointA, reply, net.Now);
        Assert.Equal(PacketAction.WriteToTunnel, opened.Action);
        Assert.Equal(packet, reply.AsSpan(0, opened.Length).ToArray());
        Assert.False(net.A.TryDequeueTransmit(datagram, net.Now, out _, out _));
    }

    [Fact]
    public void SealedInReverse_OpenedInAnyOrder_CompletedInOrder_EveryPacketArrivesOnce()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB(0));
        const int count = 16;
        var datagrams = new byte[count][];
        var lengths = new int[count];
        var seals = new SealJob[count];
        for (int i = 0; i < count; i++)
        {
            datagrams[i] = new byte[2048];
            ToB(i + 1).CopyTo(datagrams[i], 16); // in place, as a TUN read lands
            lengths[i] = net.A.PrepareEncapsulate(datagrams[i].AsSpan(16, ToB(i + 1).Length), datagrams[i], net.Now, out seals[i]).Length;
        }

        for (int i = count - 1; i >= 0; i--)
        {
            seals[i].Seal(datagrams[i]);
        }

        var opens = new OpenJob[count];
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(PacketAction.Open, net.B.PrepareDecapsulate(datagrams[i].AsSpan(0, lengths[i]), TwoDevices.EndpointA, datagrams[i].AsSpan(16), net.Now, out opens[i]).Action);
        }

        foreach (int i in new[] { 5, 0, 15, 3, 1, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14 })
        {
            Assert.True(opens[i].TryOpen(datagrams[i].AsSpan(0, lengths[i]), datagrams[i].AsSpan(16)));
        }

        for (int i = 0; i < count; i++)
        {
            PacketResult result = net.B.CompleteDecapsulate(datagrams[i].AsSpan(0, lengths[i]), TwoDevices.EndpointA, datagrams[i].AsSpan(16), ref opens[i], net.Now);
            Assert.Equal(PacketAction.WriteToTunnel, result.Action);
            Assert.Equal(ToB(i + 1), datagrams[i].AsSpan(16, result.Length).ToArray());
        }
    }

    [Fact]
    public void AReplayedDatagram_OpensButIsRefusedOnCompletion()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB(0));
        var datagram = new byte[2048];
        int length = net.A.Encapsulate(ToB(1), datagram, net.Now).Length;
        byte[] copy = datagram[..length];
        var plaintext = new byte[2048];

        Assert.Equal(PacketAction.WriteToTunnel, OpenAndComplete(net, datagram[..length], plaintext).Action);
        PacketResult replayed = OpenAndComplete(net, copy, plaintext);
        Assert.Equal(PacketAction.Drop, replayed.Action);
        Assert.Equal(DropReason.Replay, replayed.DropReason);
    }

    [Fact]
    public void ATamperedDatagram_FailsToOpen_AndCompletionDropsIt()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB(0));
        var datagram = new byte[2048];
        int length = net.A.Encapsulate(ToB(1), datagram, net.Now).Length;
        datagram[40] ^= 1;
        var plaintext = new byte[2048];

        PacketResult result = OpenAndComplete(net, datagram[..length], plaintext);
        Assert.Equal(DropReason.AuthenticationFailed, result.DropReason);
        Assert.All(plaintext.AsSpan(0, length - 32).ToArray(), b => Assert.Equal(0, b)); // nothing unauthenticated leaks
    }

    [Fact]
    public void ACompletionAfterThePeerWasRemoved_IsDropped()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB(0));
        var datagram = new byte[2048];
        int length = net.A.Encapsulate(ToB(1), datagram, net.Now).Length;
        var plaintext = new byte[2048];
        Assert.Equal(PacketAction.Open, net.B.PrepareDecapsulate(datagram.AsSpan(0, length), TwoDevices.EndpointA, plaintext, net.Now, out OpenJob job).Action);
        Assert.True(job.TryOpen(datagram.AsSpan(0, length), plaintext));

        net.B.RemovePeer(net.AOnB.PublicKey);
        PacketResult result = net.B.CompleteDecapsulate(datagram.AsSpan(0, length), TwoDevices.EndpointA, plaintext, ref job, net.Now);
        Assert.Equal(DropReason.UnknownReceiver, result.DropReason);
        var unprepared = default(OpenJob);
        Assert.Throws<ArgumentException>(() => net.B.CompleteDecapsulate(datagram, TwoDevices.EndpointA, plaintext, ref unprepared, net.Now));
    }

    [Fact]
    public void HandshakeMessages_AreProcessedInFullByPrepare()
    {
        var net = new TwoDevices();
        var buffer = new byte[2048];
        Assert.Equal(PacketAction.Queued, net.A.Encapsulate(ToB(0), buffer, net.Now).Action);
        Assert.True(net.A.TryDequeueTransmit(buffer, net.Now, out PacketResult initiation));
        var reply = new byte[2048];
        PacketResult result = net.B.PrepareDecapsulate(buffer.AsSpan(0, initiation.Length), TwoDevices.EndpointA, reply, net.Now, out OpenJob job);
        Assert.Equal(PacketAction.WriteToNetwork, result.Action);
        Assert.Equal(92, result.Length);
        Assert.False(job.TryOpen(buffer, reply)); // nothing to open
    }

    [Fact]
    public void TheSplitPath_AllocatesNothing()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB(0));
        var datagram = new byte[2048];
        byte[] packet = ToB(1, 1400);
        // Over three rounds, as the other allocation tests count: one-time runtime work (tier-up) shows in one at most.
        Assert.Equal(0, Allocations.Fewest(() => RoundTrip(net, datagram, packet), iterations: 2000));
    }

    private static void RoundTrip(TwoDevices net, byte[] datagram, byte[] packet)
    {
        packet.CopyTo(datagram, 16);
        PacketResult sent = net.A.PrepareEncapsulate(datagram.AsSpan(16, packet.Length), datagram, net.Now, out SealJob seal);
        seal.Seal(datagram);
        Span<byte> message = datagram.AsSpan(0, sent.Length);
        net.B.PrepareDecapsulate(message, TwoDevices.EndpointA, datagram.AsSpan(16), net.Now, out OpenJob open);
        open.TryOpen(message, datagram.AsSpan(16));
        PacketResult received = net.B.CompleteDecapsulate(message, TwoDevices.EndpointA, datagram.AsSpan(16), ref open, net.Now);
        if (received.Action != PacketAction.WriteToTunnel)
        {
            throw new InvalidOperationException(received.ToString());
        }
    }

    private static PacketResult OpenAndComplete(TwoDevices net, byte[] datagram, byte[] plaintext)
    {
        PacketResult prepared = net.B.PrepareDecapsulate(datagram, TwoDevices.EndpointA, plaintext, net.Now, out OpenJob job);
        Assert.Equal(PacketAction.Open, prepared.Action);
        job.TryOpen(datagram, plaintext);
        return net.B.CompleteDecapsulate(datagram, TwoDevices.EndpointA, plaintext, ref job, net.Now);
    }
}
