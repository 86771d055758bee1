using System.Buffers.Binary;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Protocol;

public sealed class DeviceTransportTests
{
    private static byte[] ToB(int length = 64, int seed = 0) => Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, length, seed);

    private static byte[] ToA(int length = 64, int seed = 0) => Packets.IPv4(TwoDevices.AddressB, TwoDevices.AddressA, length, seed);

    [Fact]
    public void AReplayedTransportMessage_IsDroppedOnce_AndDeliveredNever()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        net.SendFromA(ToB(seed: 5));
        byte[] captured = net.SentByA[^1];
        int delivered = net.TunnelB.Count;

        net.Deliver(captured, toB: true);
        Assert.Equal(DropReason.Replay, net.DropsB[^1].DropReason);
        Assert.Equal(delivered, net.TunnelB.Count);
    }

    [Fact]
    public void APacketWhoseInnerSourceThePeerMayNotUse_IsDropped()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        var result = net.SendFromB(Packets.IPv4([10, 0, 0, 99], TwoDevices.AddressA, 20));
        Assert.Equal(PacketAction.WriteToNetwork, result.Action);
        Assert.Empty(net.TunnelA);
        Assert.Equal(DropReason.DisallowedSource, net.DropsA[^1].DropReason);
    }

    [Fact]
    public void NoRoute_AndNotIP_AndTooLarge_AreDroppedAndCounted()
    {
        var net = new TwoDevices();
        Assert.Equal(DropReason.NoRoute, net.SendFromA(Packets.IPv4(TwoDevices.AddressA, [10, 9, 9, 9], 10)).DropReason);
        Assert.Equal(DropReason.NoRoute, net.SendFromA([0x00, 1, 2, 3]).DropReason);
        Assert.Equal(DropReason.TooLarge, net.SendFromA(ToB(1500)).DropReason);
        Assert.Equal(2, net.A.GetDropCount(DropReason.NoRoute));
        Assert.Equal(1, net.A.GetDropCount(DropReason.TooLarge));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(91)]
    [InlineData(149)]
    public void MalformedDatagrams_AreDroppedWithAReason(int length)
    {
        var net = new TwoDevices();
        var datagram = Bytes.Pattern(length, 3);
        if (length >= 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(datagram, length == 33 ? 4u : 1u);
        }

        var result = net.B.Decapsulate(datagram, TwoDevices.EndpointA, new byte[2048], net.Now);
        Assert.Equal(PacketAction.Drop, result.Action);
        Assert.Equal(length == 33 ? DropReason.UnknownReceiver : DropReason.InvalidMessage, result.DropReason);
    }

    [Fact]
    public void TheLatestAuthenticatedSource_BecomesTheEndpoint_ButNotAForgedOne()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        var roamed = new UdpEndpoint([198, 51, 100, 7], 4242);
        net.FilterBToA = d => (d, roamed);
        net.SendFromB(ToA());
        Assert.Equal(roamed, net.BOnA.Endpoint);
        Assert.Contains(DrainEvents(net.A), e => e.Kind == DeviceEventKind.EndpointChanged);

        // A forged datagram from elsewhere changes nothing.
        byte[] forged = (byte[])net.SentByB[^1].Clone();
        forged[^1] ^= 1;
        net.A.Decapsulate(forged, new UdpEndpoint([203, 0, 113, 9], 1), new byte[2048], net.Now);
        Assert.Equal(roamed, net.BOnA.Endpoint);
    }

    [Fact]
    public void ANewLocalAddress_IsKeptForReplies_WithoutAnEndpointEvent()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        DrainEvents(net.A);
        var viaSecondAddress = TwoDevices.EndpointB.WithLocal([192, 0, 2, 101], 3);
        net.FilterBToA = d => (d, viaSecondAddress);
        net.SendFromB(ToA());
        Assert.Equal(viaSecondAddress, net.BOnA.Endpoint);
        Assert.DoesNotContain(DrainEvents(net.A), e => e.Kind == DeviceEventKind.EndpointChanged);

        // The reply to B names the endpoint with its local part, so the socket can send from that address.
        PacketResult reply = net.A.Encapsulate(ToB(seed: 2), new byte[2048], net.Now);
        Assert.Equal(PacketAction.WriteToNetwork, reply.Action);
        Assert.Equal(viaSecondAddress, reply.Endpoint);
        Assert.Equal([192, 0, 2, 101], reply.Endpoint.LocalAddressBytes.ToArray());
    }

    [Fact]
    public void ClearingLocalAddresses_KeepsEachRemote_AndForgetsWhereItWroteTo()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        var viaSecondAddress = TwoDevices.EndpointB.WithLocal([192, 0, 2, 101], 3);
        net.FilterBToA = d => (d, viaSecondAddress);
        net.SendFromB(ToA());
        Assert.True(net.BOnA.Endpoint.HasLocalAddress);

        net.A.ClearEndpointLocalAddresses();
        Assert.Equal(TwoDevices.EndpointB, net.BOnA.Endpoint);
        Assert.Equal(TwoDevices.EndpointB, net.A.Encapsulate(ToB(seed: 3), new byte[2048], net.Now).Endpoint);
    }

    [Fact]
    public void TheResponder_SendsOnTheNewSessionOnlyAfterTheInitiatorConfirmsIt()
    {
        var net = new TwoDevices();
        net.FilterAToB = d => d[0] == 4 ? null : (d, TwoDevices.EndpointA); // lose A's transport messages
        net.SendFromA(ToB());
        Assert.True(net.BOnA.HasSession);
        Assert.False(net.AOnB.HasSession);
        Assert.Equal(PacketAction.Queued, net.SendFromB(ToA()).Action);

        net.FilterAToB = null;
        net.SendFromA(ToB(seed: 1));
        Assert.True(net.AOnB.HasSession);
        Assert.Single(net.TunnelA); // B's staged packet followed the confirmation
    }

    [Fact]
    public void PassiveKeepalive_After10SecondsOfReceivingWithoutSending()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        int sentByB = net.SentByB.Count;
        net.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(sentByB, net.SentByB.Count);
        net.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(sentByB + 1, net.SentByB.Count);
        Assert.Equal(MessageLayout.KeepaliveSize, net.SentByB[^1].Length);
    }

    [Fact]
    public void PersistentKeepalive_SendsAtOnce_ThenAfterEveryIntervalOfSilence()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        net.Advance(TimeSpan.FromSeconds(20)); // B's passive keepalive goes out at 10 s; then silence
        int before = net.SentByA.Count;
        TimeSpan enabled = net.Now;
        net.A.SetPersistentKeepalive(net.BOnA, TimeSpan.FromSeconds(25), net.Now);
        net.Pump();
        Assert.Equal(before + 1, net.SentByA.Count);

        var sentAt = new List<TimeSpan>();
        for (int i = 0; i < 100; i++)
        {
            int count = net.SentByA.Count;
            net.Advance(TimeSpan.FromSeconds(1));
            if (net.SentByA.Count > count)
            {
                Assert.Equal(MessageLayout.KeepaliveSize, net.SentByA[^1].Length);
                sentAt.Add(net.Now - enabled);
            }
        }

        Assert.Equal([25, 50, 75, 100], sentAt.Select(t => t.TotalSeconds));

        // Traffic in either direction restarts the interval: data from B at 110 s earns it the passive
        // keepalive at 120 s, and the persistent one follows 25 s after that, not at 125 s.
        net.Advance(TimeSpan.FromSeconds(10));
        net.SendFromB(ToA());
        sentAt.Clear();
        for (int i = 0; i < 40; i++)
        {
            int count = net.SentByA.Count;
            net.Advance(TimeSpan.FromSeconds(1));
            if (net.SentByA.Count > count)
            {
                sentAt.Add(net.Now - enabled);
            }
        }

        Assert.Equal([120, 145], sentAt.Select(t => t.TotalSeconds));
    }

    [Fact]
    public void SilenceAfterSendingData_TriggersANewHandshakeAfter15Seconds()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        net.FilterBToA = _ => null; // B's keepalives never arrive
        int initiations = net.SentByA.Count(d => d[0] == 1);
        net.SendFromA(ToB(seed: 2));
        net.Advance(TimeSpan.FromSeconds(14.9));
        Assert.Equal(initiations, net.SentByA.Count(d => d[0] == 1));
        net.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(initiations + 1, net.SentByA.Count(d => d[0] == 1));
    }

    [Fact]
    public void AnUnansweredHandshake_IsRetried18TimesOver90Seconds_ThenGivesUpAndDropsStagedPackets()
    {
        var net = new TwoDevices();
        net.FilterAToB = _ => null;
        net.SendFromA(ToB());
        net.SendFromA(ToB(seed: 1));

        var times = new List<TimeSpan>();
        int seen = net.SentByA.Count(d => d[0] == 1);
        Assert.Equal(1, seen);
        for (int i = 0; i < 2000; i++)
        {
            net.Advance(TimeSpan.FromMilliseconds(100));
            int count = net.SentByA.Count(d => d[0] == 1);
            if (count > seen)
            {
                times.Add(net.Now);
                seen = count;
            }
        }

        Assert.Equal(17, times.Count); // the first of the 18 went out before the loop
        for (int i = 1; i < times.Count; i++)
        {
            Assert.InRange((times[i] - times[i - 1]).TotalMilliseconds, 5000, 5334 + 100);
        }

        Assert.Equal(0, net.BOnA.StagedPacketCount);
        Assert.Equal(2, net.A.GetDropCount(DropReason.HandshakeGaveUp));
        Assert.Contains(DrainEvents(net.A), e => e.Kind == DeviceEventKind.HandshakeGaveUp);
    }

    [Fact]
    public void TheInitiatorRekeysAfter120Seconds_AndTrafficNeverStops()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        int handshakes = 0;
        for (int second = 0; second < 600; second++)
        {
            net.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(PacketAction.WriteToNetwork, net.SendFromA(ToB(seed: second)).Action);
            Assert.Equal(PacketAction.WriteToNetwork, net.SendFromB(ToA(seed: second)).Action);
            handshakes = net.SentByA.Count(d => d[0] == 1);
        }

        // One handshake at the start, then one per Rekey-After-Time.
        Assert.InRange(handshakes, 5, 6);
        Assert.Equal(601, net.TunnelB.Count);
        Assert.Equal(600, net.TunnelA.Count);
        Assert.Empty(net.DropsA);
        Assert.Empty(net.DropsB);
    }

    [Fact]
    public void ASessionIsRefusedAfter180Seconds_AndKeysAreZeroedAfter540()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        byte[] oldMessage = net.SentByA[^1];
        net.FilterAToB = _ => null;
        net.FilterBToA = _ => null;
        net.Advance(TimeSpan.FromSeconds(180));

        net.FilterAToB = null;
        net.B.Decapsulate(oldMessage, TwoDevices.EndpointA, new byte[2048], net.Now);
        Assert.Equal(1, net.B.GetDropCount(DropReason.KeypairExpired) + net.B.GetDropCount(DropReason.Replay));

        net.Advance(TimeSpan.FromSeconds(361));
        Assert.False(net.AOnB.HasSession);
        Assert.Contains(DrainEvents(net.B), e => e.Kind == DeviceEventKind.KeyMaterialZeroed);
    }

    private static List<DeviceEvent> DrainEvents(Device device)
    {
        var events = new List<DeviceEvent>();
        while (device.TryDequeueEvent(out var e))
        {
            events.Add(e);
        }

        return events;
    }
}
