using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;
using Tunnel.Core.Tests.Support;
using Tunnel.Testing;

namespace Tunnel.Core.Tests.Protocol;

/// <summary>A device with no private key, as a fresh wireguard-go has none: it answers nothing and sends nothing until one is set.</summary>
public sealed class DeviceWithoutPrivateKeyTests
{
    private static byte[] ToB(int seed = 0) => Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 64, seed);

    private static byte[] ToA(int seed = 0) => Packets.IPv4(TwoDevices.AddressB, TwoDevices.AddressA, 64, seed);

    [Fact]
    public void ADeviceCreatedWithoutAKey_HasNoIdentity_AndDropsWhatItWouldSend()
    {
        var device = new Device(new DeviceOptions(), new DeterministicEntropy(3));
        Assert.False(device.HasPrivateKey);
        Assert.True(device.PublicKey.IsEmpty);

        Peer peer = device.AddPeer(PrivateKey.Create(Bytes.Random(32, 4)).GetPublicKey());
        device.SetEndpoint(peer, TwoDevices.EndpointB);
        device.AddAllowedIp(peer, System.Net.IPNetwork.Parse("10.0.0.2/32"));
        device.SetPersistentKeepalive(peer, TimeSpan.FromSeconds(1), TimeSpan.Zero);

        var buffer = new byte[2048];
        PacketResult result = device.Encapsulate(ToB(), buffer, TimeSpan.Zero);
        Assert.Equal((PacketAction.Drop, DropReason.NoPrivateKey), (result.Action, result.DropReason));
        device.HandleTimeout(TimeSpan.FromMinutes(3));
        Assert.False(device.TryDequeueTransmit(buffer, TimeSpan.FromMinutes(3), out _)); // not even the keepalive's handshake
        Assert.Equal(1, device.GetDropCount(DropReason.NoPrivateKey));
    }

    [Fact]
    public void RemovingTheKey_EndsTheSessions_AndNothingIsAnswered_UntilAKeyIsSetAgain()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        Assert.Single(net.TunnelB);
        PrivateKey original = PrivateKey.Create(Bytes.Random(32, 2)); // TwoDevices' key for A

        net.A.SetPrivateKey(default);
        Assert.False(net.A.HasPrivateKey);
        Assert.False(net.BOnA.HasSession);
        int sent = net.SentByA.Count;

        // A's own traffic is dropped; B's traffic (its old session is useless now) draws no answer either.
        Assert.Equal(DropReason.NoPrivateKey, net.SendFromA(ToB(1)).DropReason);
        net.Now += TimeSpan.FromMinutes(4); // past B's session lifetime: B initiates
        net.SendFromB(ToA(2));
        net.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(sent, net.SentByA.Count);
        Assert.Empty(net.TunnelA);
        Assert.Contains(net.DropsA, drop => drop.DropReason == DropReason.NoPrivateKey);

        // The key back: the next packet handshakes and arrives.
        net.A.SetPrivateKey(original);
        Assert.True(net.A.HasPrivateKey);
        net.SendFromA(ToB(3));
        Assert.Equal(ToB(3), net.TunnelB[^1]);
    }
}
