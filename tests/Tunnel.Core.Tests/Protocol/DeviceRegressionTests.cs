using System.Net;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol;
using Tunnel.Core.Protocol.Internal;
using Tunnel.Core.Tests.Support;
using Tunnel.Testing;

namespace Tunnel.Core.Tests.Protocol;

/// <summary>Cases other implementations have shipped bugs in.</summary>
public sealed class DeviceRegressionTests
{
    private static byte[] ToB(int seed = 0) => Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 64, seed);

    [Fact]
    public void CountersPast32Bits_AreWrittenAndAcceptedAs64BitValues()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        net.BOnA.CurrentKeypair!.SendCounter = (1UL << 32) - 2;
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(PacketAction.WriteToNetwork, net.SendFromA(ToB(i)).Action);
        }

        Assert.Equal(5, net.TunnelB.Count);
        ulong counter = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(net.SentByA[^1].AsSpan(MessageLayout.TransportCounterOffset));
        Assert.Equal((1UL << 32) + 1, counter);
    }

    [Fact]
    public void RekeyAfterMessages_StartsAHandshake_AndRejectAfterMessages_StopsTheSession()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        int initiations = net.SentByA.Count(SimulatedNetwork.IsInitiation);

        // Past 2^60 messages the sender asks for a new session (A is the responder here: rekey by count applies to both).
        net.FilterBToA = _ => null;
        net.AOnB.CurrentKeypair!.SendCounter = ProtocolTimings.RekeyAfterMessages + 1;
        net.Now += TimeSpan.FromSeconds(6);
        net.SendFromB(Packets.IPv4(TwoDevices.AddressB, TwoDevices.AddressA, 10));
        Assert.Equal(1, net.SentByB.Count(SimulatedNetwork.IsInitiation));

        // At 2^64 - 2^13 - 1 the keypair sends no more: the packet waits for the new session instead.
        net.BOnA.CurrentKeypair!.SendCounter = ProtocolTimings.RejectAfterMessages;
        net.FilterAToB = _ => null;
        net.Now += TimeSpan.FromSeconds(6);
        Assert.Equal(PacketAction.Queued, net.SendFromA(ToB(1)).Action);
        Assert.Equal(initiations + 1, net.SentByA.Count(SimulatedNetwork.IsInitiation));
    }

    [Fact]
    public void AResponseArrivingAfterANewerInitiation_IsRefused_AndTheNewerHandshakeStillCompletes()
    {
        var net = new TwoDevices();
        byte[]? firstResponse = null;
        net.FilterBToA = d =>
        {
            if (d[0] == 2 && firstResponse is null)
            {
                firstResponse = d;
                return null; // hold the first response back
            }

            return (d, TwoDevices.EndpointB);
        };
        net.SendFromA(ToB());
        Assert.NotNull(firstResponse);

        net.Advance(TimeSpan.FromSeconds(5.5)); // the retry's response gets through
        Assert.True(net.BOnA.HasSession);
        int delivered = net.TunnelB.Count;

        net.Deliver(firstResponse!, toB: false); // the late one
        Assert.Equal(DropReason.UnknownReceiver, net.DropsA[^1].DropReason);
        net.SendFromA(ToB(3));
        Assert.Equal(delivered + 1, net.TunnelB.Count);
    }

    [Fact]
    public void NestedAllowedIpsAcrossPeers_RouteToTheLongestPrefix_AndCheckSourcesTheSameWay()
    {
        var net = new TwoDevices();
        var third = new Tunnel.Core.Protocol.Device(
            new DeviceOptions { PrivateKey = Tunnel.Core.Crypto.PrivateKey.Create(Bytes.Random(32, 99)) }, new DeterministicEntropy(99));
        var thirdOnA = net.A.AddPeer(third.PublicKey);
        net.A.SetEndpoint(thirdOnA, new UdpEndpoint([192, 0, 2, 3], 51820));

        // B owns 10.0.0.0/8 except 10.0.9.0/24, which the third peer owns.
        net.A.AddAllowedIp(net.BOnA, IPNetwork.Parse("10.0.0.0/8"));
        net.A.AddAllowedIp(thirdOnA, IPNetwork.Parse("10.0.9.0/24"));
        Assert.Same(net.BOnA, net.SendFromA(Packets.IPv4(TwoDevices.AddressA, [10, 200, 0, 1], 10)).Peer);
        Assert.Same(thirdOnA, net.SendFromA(Packets.IPv4(TwoDevices.AddressA, [10, 0, 9, 7], 10)).Peer);

        // B may not use an address inside the third peer's /24 as a source.
        net.SendFromB(Packets.IPv4([10, 0, 9, 7], TwoDevices.AddressA, 10));
        Assert.Equal(DropReason.DisallowedSource, net.DropsA[^1].DropReason);
        net.SendFromB(Packets.IPv4([10, 200, 0, 1], TwoDevices.AddressA, 10));
        Assert.Single(net.TunnelA);
    }

    [Fact]
    public void TruncatedAndOversizedTransportMessages_AreDropped()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        net.SendFromA(ToB(1));
        byte[] good = net.SentByA[^1];
        int delivered = net.TunnelB.Count;

        net.Deliver(good[..^1], toB: true);
        net.Deliver([.. good, 0], toB: true);
        net.Deliver(good[..31], toB: true);
        Assert.Equal(delivered, net.TunnelB.Count);
        Assert.Equal(
            [DropReason.AuthenticationFailed, DropReason.AuthenticationFailed, DropReason.InvalidMessage],
            net.DropsB.TakeLast(3).Select(d => d.DropReason));

        var small = new byte[10];
        Assert.Equal(DropReason.TooLarge, net.B.Decapsulate(good, TwoDevices.EndpointA, small, net.Now).DropReason);
    }

    [Fact]
    public void InitiationsThatCrossInLockstep_AreSeparatedByTheRetryJitter()
    {
        // Both sides send at every whole second from the start, so their initiations cross, each side
        // drops the other's response, and traffic-driven retries would cross again at 5 s, 10 s, ...
        var net = new SimulatedNetwork(seed: 497589);
        for (int second = 0; second < 12; second++)
        {
            net.SendPacket(fromA: true, 100);
            net.SendPacket(fromA: false, 100);
            net.Tick(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(24, net.Delivered.Count);
        Assert.True(net.Delivered.Max(d => d.At) < TimeSpan.FromHours(2) + TimeSpan.FromSeconds(12));
        Assert.InRange(net.Sent.Count(s => SimulatedNetwork.IsInitiation(s.Datagram)), 3, 4);
    }
}
