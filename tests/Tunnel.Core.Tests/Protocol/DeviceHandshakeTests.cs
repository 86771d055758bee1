using Tunnel.Core.Crypto;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol;
using Tunnel.Core.Tests.Support;
using Tunnel.Testing;

namespace Tunnel.Core.Tests.Protocol;

public sealed class DeviceHandshakeTests
{
    [Fact]
    public void FirstPacket_WaitsForTheHandshake_ThenArrivesIntact()
    {
        var net = new TwoDevices();
        byte[] packet = Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 100);

        var result = net.SendFromA(packet);

        Assert.Equal(PacketAction.Queued, result.Action);
        Assert.Equal(packet, Assert.Single(net.TunnelB));
        Assert.True(net.BOnA.HasSession);
        Assert.True(net.AOnB.HasSession);
        Assert.Equal(MessageType.HandshakeInitiation, MessageLayout.Classify(net.SentByA[0]));
        Assert.Equal(MessageType.HandshakeResponse, MessageLayout.Classify(net.SentByB[0]));
        Assert.Equal(MessageType.TransportData, MessageLayout.Classify(net.SentByA[1]));
        Assert.Equal(0, net.BOnA.StagedPacketCount);
        Assert.Equal(net.Now, net.BOnA.LastHandshake);
        Assert.Equal(net.Now, net.AOnB.LastHandshake);
        Assert.Empty(net.DropsA);
        Assert.Empty(net.DropsB);
    }

    [Fact]
    public void AfterTheHandshake_BothDirectionsFlow_IPv4AndIPv6_WithoutNewHandshakes()
    {
        var net = new TwoDevices();
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10));
        int handshakeDatagrams = net.SentByA.Count(d => d[0] == 1) + net.SentByB.Count(d => d[0] == 2);

        for (int i = 0; i < 50; i++)
        {
            byte[] toB = Packets.IPv6(TwoDevices.AddressA6, TwoDevices.AddressB6, i * 20, seed: i);
            byte[] toA = Packets.IPv4(TwoDevices.AddressB, TwoDevices.AddressA, i * 25, seed: i + 100);
            Assert.Equal(PacketAction.WriteToNetwork, net.SendFromA(toB).Action);
            Assert.Equal(PacketAction.WriteToNetwork, net.SendFromB(toA).Action);
            Assert.Equal(toB, net.TunnelB[^1]);
            Assert.Equal(toA, net.TunnelA[^1]);
        }

        Assert.Equal(2, handshakeDatagrams);
        Assert.Equal(2, net.SentByA.Count(d => d[0] == 1) + net.SentByB.Count(d => d[0] == 2));
        Assert.Equal(net.SentByA.Sum(d => (long)d.Length), net.BOnA.TransmittedBytes);
        Assert.Equal(net.SentByA.Sum(d => (long)d.Length), net.AOnB.ReceivedBytes);
    }

    [Fact]
    public void TransportPayloads_ArePaddedToSixteen_AndTheReceiverTrimsThePadding()
    {
        var net = new TwoDevices();
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 0));
        for (int payload = 0; payload < 40; payload++)
        {
            byte[] packet = Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, payload);
            var result = net.SendFromA(packet);
            Assert.Equal(16 + MessageLayout.PaddedLength(packet.Length, 1420) + 16, result.Length);
            Assert.Equal(0, (result.Length - 32) % 16);
            Assert.Equal(packet, net.TunnelB[^1]);
        }
    }

    [Fact]
    public void APresharedKey_MustMatch()
    {
        var psk = PresharedKey.TryParse(Convert.ToBase64String(Bytes.Pattern(32, 7)), out var key) ? key : default;
        var net = new TwoDevices();
        net.A.SetPresharedKey(net.BOnA, psk);
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10));
        Assert.Empty(net.TunnelB);
        Assert.Contains(net.DropsA, d => d.DropReason == DropReason.HandshakeFailed);

        // A PSK change applies to the next handshake.
        net.B.SetPresharedKey(net.AOnB, psk);
        net.Advance(TimeSpan.FromSeconds(6));
        Assert.Single(net.TunnelB);
    }

    [Fact]
    public void AReplayedInitiation_IsRefused_AsIsASecondWithin20Milliseconds()
    {
        var net = new TwoDevices();
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10));
        byte[] initiation = net.SentByA.First(d => d[0] == 1);

        net.Deliver(initiation, toB: true);
        Assert.Equal(DropReason.StaleTimestamp, net.DropsB[^1].DropReason);
        Assert.Equal(1, net.B.GetDropCount(DropReason.StaleTimestamp));
    }

    [Fact]
    public void AFreshInitiationWithin20MillisecondsOfTheLast_IsAFlood_AndOneAfterIsAccepted()
    {
        var net = new TwoDevices();
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10));
        int responses = net.SentByB.Count(d => d[0] == 2);

        net.Now += TimeSpan.FromMilliseconds(10);
        net.Deliver(InitiationFromA(net, seed: 1), toB: true);
        Assert.Equal(DropReason.HandshakeFlood, net.DropsB[^1].DropReason);

        net.Now += TimeSpan.FromMilliseconds(15);
        net.Deliver(InitiationFromA(net, seed: 2), toB: true);
        Assert.Equal(responses + 1, net.SentByB.Count(d => d[0] == 2));
    }

    [Fact]
    public void AnInitiationWithABadMac1_IsDroppedBeforeAnyWork()
    {
        var net = new TwoDevices();
        net.FilterAToB = d =>
        {
            if (d[0] == 1)
            {
                d[MessageLayout.InitiationMac1Offset] ^= 1;
            }

            return (d, TwoDevices.EndpointA);
        };
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10));
        Assert.Equal(DropReason.InvalidMac1, net.DropsB[^1].DropReason);
        Assert.False(net.AOnB.HasSession);
    }

    [Fact]
    public void UnderLoad_AnInitiationWithoutMac2_GetsACookie_AndTheRetryWithMac2Succeeds()
    {
        var net = new TwoDevices();
        net.B.ReportHandshakeBacklog(1000, net.Now);
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10));

        Assert.Equal(MessageType.CookieReply, MessageLayout.Classify(net.SentByB[0]));
        Assert.Empty(net.TunnelB);
        Assert.Equal(1, net.B.GetDropCount(DropReason.InvalidMac2));

        // The retry (after Rekey-Timeout) carries MAC2; keep B under load to prove it is checked.
        net.Advance(TimeSpan.FromSeconds(4.9));
        net.B.ReportHandshakeBacklog(1000, net.Now);
        net.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Single(net.TunnelB);
        Assert.Equal(1, net.B.GetDropCount(DropReason.InvalidMac2));
    }

    [Fact]
    public void ACookieFromTheWrongSourcePort_DoesNotHelp()
    {
        var net = new TwoDevices();
        net.B.ReportHandshakeBacklog(1000, net.Now);
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10));

        // A's retry arrives from another port: its MAC2 was made for the first port, so B asks again.
        net.FilterAToB = d => (d, new UdpEndpoint([192, 0, 2, 1], 40000));
        net.Advance(TimeSpan.FromSeconds(4.9));
        net.B.ReportHandshakeBacklog(1000, net.Now);
        net.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Empty(net.TunnelB);
        Assert.Equal(2, net.B.GetDropCount(DropReason.InvalidMac2));
    }

    /// <summary>An initiation from A's key whose wall clock runs an hour ahead, so its timestamp is always newer.</summary>
    private static byte[] InitiationFromA(TwoDevices net, int seed)
    {
        var clone = new Device(
            new DeviceOptions { PrivateKey = PrivateKey.Create(Bytes.Random(32, 2)), WallClockAtZero = DateTimeOffset.UnixEpoch.AddHours(1 + seed) },
            new DeterministicEntropy(77 + seed));
        Assert.Equal(net.A.PublicKey, clone.PublicKey);
        var peer = clone.AddPeer(net.B.PublicKey);
        clone.SetEndpoint(peer, TwoDevices.EndpointB);
        clone.AddAllowedIp(peer, new System.Net.IPNetwork(new System.Net.IPAddress(TwoDevices.AddressB), 32));
        var buffer = new byte[2048];
        Assert.Equal(PacketAction.Queued, clone.Encapsulate(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10), buffer, net.Now).Action);
        Assert.True(clone.TryDequeueTransmit(buffer, net.Now, out var transmit));
        return buffer[..transmit.Length];
    }
}
