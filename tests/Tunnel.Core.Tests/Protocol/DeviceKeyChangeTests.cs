using System.Net;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Protocol;

public sealed class DeviceKeyChangeTests
{
    private static byte[] ToB(int seed = 0) => Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 64, seed);

    [Fact]
    public void AfterAKeyChange_ThePeerThatLearnsTheNewKeyGetsTrafficAgain()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        Assert.Single(net.TunnelB);

        var newKey = PrivateKey.Create(Bytes.Random(32, 500));
        net.A.SetPrivateKey(newKey);
        Assert.Equal(newKey.GetPublicKey(), net.A.PublicKey);
        Assert.False(net.BOnA.HasSession); // sessions made under the old identity are gone

        // B still knows only the old key: A's initiation is refused.
        net.Now += TimeSpan.FromSeconds(6);
        net.SendFromA(ToB(1));
        Assert.Single(net.TunnelB);
        Assert.Equal(DropReason.HandshakeFailed, net.DropsB[^1].DropReason);

        // B learns the new key: the retry completes the handshake and the staged packet arrives.
        net.B.RemovePeer(net.AOnB.PublicKey);
        var aOnB = net.B.AddPeer(net.A.PublicKey);
        net.B.AddAllowedIp(aOnB, new IPNetwork(new IPAddress(TwoDevices.AddressA), 32));
        net.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(2, net.TunnelB.Count);
        Assert.Equal(ToB(1), net.TunnelB[^1]);
    }

    [Fact]
    public void RightAfterAKeyChange_TheNextPacketStartsAHandshakeAtOnce()
    {
        var net = new TwoDevices();
        net.SendFromA(ToB());
        Assert.Single(net.TunnelB);

        // Well inside Rekey-Timeout of the last initiation: the change must not wait for it.
        net.Now += TimeSpan.FromMilliseconds(100);
        net.A.SetPrivateKey(PrivateKey.Create(Bytes.Random(32, 501)));
        net.B.RemovePeer(net.AOnB.PublicKey);
        var aOnB = net.B.AddPeer(net.A.PublicKey);
        net.B.AddAllowedIp(aOnB, new IPNetwork(new IPAddress(TwoDevices.AddressA), 32));
        net.SendFromA(ToB(1));
        Assert.Equal(2, net.TunnelB.Count);
        Assert.Equal(ToB(1), net.TunnelB[^1]);
    }

    [Fact]
    public void APeerWithTheNewPublicKey_IsRemoved_AndTheSameKeyChangesNothing()
    {
        var net = new TwoDevices();
        var newKey = PrivateKey.Create(Bytes.Random(32, 600));
        var selfAsPeer = net.A.AddPeer(newKey.GetPublicKey());
        net.A.AddAllowedIp(selfAsPeer, IPNetwork.Parse("10.9.0.0/16"));

        net.A.SetPrivateKey(newKey);
        Assert.False(net.A.TryGetPeer(newKey.GetPublicKey(), out _));
        Assert.False(net.A.AllowedIps.TryLookup(IPAddress.Parse("10.9.0.1"), out _));


        // Setting the key the device already has changes nothing: sessions survive.
        var fresh = new TwoDevices();
        fresh.SendFromA(ToB());
        fresh.A.SetPrivateKey(PrivateKey.Create(Bytes.Random(32, 2))); // TwoDevices' key for A
        Assert.True(fresh.BOnA.HasSession);
    }
}
