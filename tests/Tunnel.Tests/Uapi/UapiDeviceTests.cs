using System.Net;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;
using Tunnel.Testing;
using Tunnel.Uapi;

namespace Tunnel.Tests.Uapi;

public sealed class UapiDeviceTests
{
    private static readonly TimeSpan Now = TimeSpan.FromMinutes(5);
    private static readonly PrivateKey DeviceKey = Key(1);

    private static PrivateKey Key(int seed)
    {
        var bytes = new byte[32];
        new DeterministicEntropy(seed).Fill(bytes);
        return PrivateKey.Create(bytes);
    }

    private static string Hex(int seed) => Key(seed).GetPublicKey().ToHexString();

    private static Device NewDevice() => new(new DeviceOptions { PrivateKey = DeviceKey }, new DeterministicEntropy(9));

    /// <summary>What a UAPI server does with one set operation: parse all, then apply.</summary>
    private static int Set(Device device, string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!UapiProtocol.TryParseSet(lines, out var request, out int errno, out _))
        {
            return errno;
        }

        UapiDevice.TryApply(device, request, Now, out errno, out _);
        return errno;
    }

    [Fact]
    public void SettingTheSameEndpoint_KeepsTheLocalAddressThePeerWroteTo_AndANewOneClearsIt()
    {
        var device = NewDevice();
        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\nendpoint=192.0.2.2:51820"));
        Assert.True(device.TryGetPeer(Key(2).GetPublicKey(), out Peer? peer));
        var sticky = peer!.Endpoint.WithLocal([192, 0, 2, 1], 2);
        device.SetEndpoint(peer, sticky);

        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\nendpoint=192.0.2.2:51820"));
        Assert.Equal(sticky, peer.Endpoint);

        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\nendpoint=192.0.2.3:51820"));
        Assert.False(peer.Endpoint.HasLocalAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.3"), 51820), peer.Endpoint.ToIPEndPoint());
    }

    [Fact]
    public void ASetconfRequest_CreatesThePeer_AndGetReportsIt()
    {
        var device = NewDevice();
        Assert.Equal(0, Set(device, $"""
            private_key={DeviceKey.ToHexString()}
            listen_port=51820
            fwmark=0
            replace_peers=true
            public_key={Hex(2)}
            endpoint=192.0.2.2:51820
            replace_allowed_ips=true
            allowed_ip=10.200.0.2/32
            allowed_ip=fd00::/64
            """));

        string get = UapiProtocol.FormatGet(UapiDevice.ReadState(device, DeviceKey, 51820, 0, DateTimeOffset.UnixEpoch));
        Assert.Equal(
            $"""
            private_key={DeviceKey.ToHexString()}
            listen_port=51820
            public_key={Hex(2)}
            preshared_key={new string('0', 64)}
            protocol_version=1
            endpoint=192.0.2.2:51820
            last_handshake_time_sec=0
            last_handshake_time_nsec=0
            tx_bytes=0
            rx_bytes=0
            persistent_keepalive_interval=0
            allowed_ip=10.200.0.2/32
            allowed_ip=fd00::/64

            """,
            get);
    }

    [Fact]
    public void ReplacePeers_UpdateOnly_Remove_AndTheDevicesOwnKey()
    {
        var device = NewDevice();
        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\npublic_key={Hex(3)}"));
        Assert.Equal(2, device.Peers.Count);

        Assert.Equal(0, Set(device, $"replace_peers=true\npublic_key={Hex(4)}\npublic_key={Hex(5)}\nupdate_only=true\npublic_key={DeviceKey.GetPublicKey().ToHexString()}\nallowed_ip=10.0.0.0/8"));
        Assert.Equal([Key(4).GetPublicKey()], device.Peers.Select(p => p.PublicKey));
        Assert.Equal(0, device.AllowedIps.Count); // the section for the device's own key changed nothing

        Assert.Equal(0, Set(device, $"public_key={Hex(4)}\nremove=true"));
        Assert.Empty(device.Peers);
    }

    [Fact]
    public void AllowedIps_AreReplacedAddedAndRemoved_OnlyForThatPeer()
    {
        var device = NewDevice();
        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\nallowed_ip=10.0.0.0/8\nallowed_ip=10.1.0.0/16\npublic_key={Hex(3)}\nallowed_ip=10.2.0.0/16"));
        Assert.Equal(3, device.AllowedIps.Count);

        // Peer 2 cannot remove peer 3's prefix; it can remove its own.
        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\nallowed_ip=-10.2.0.0/16\nallowed_ip=-10.1.0.0/16"));
        Assert.True(device.AllowedIps.TryLookup(IPAddress.Parse("10.2.0.1"), out var owner));
        Assert.Equal(Key(3).GetPublicKey(), owner.PublicKey);
        Assert.True(device.AllowedIps.TryLookup(IPAddress.Parse("10.1.0.1"), out owner));
        Assert.Equal(Key(2).GetPublicKey(), owner.PublicKey); // now covered by 10.0.0.0/8 only

        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\nreplace_allowed_ips=true\nallowed_ip=192.168.0.0/24"));
        Assert.Equal(["10.2.0.0/16", "192.168.0.0/24"], device.AllowedIps.GetEntries().Select(e => e.Key.ToString()).Order());
    }

    [Fact]
    public void TurningPersistentKeepaliveOn_QueuesADatagramAtOnce()
    {
        var device = NewDevice();
        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\nendpoint=192.0.2.2:51820"));
        Assert.False(device.TryDequeueTransmit(new byte[256], Now, out _));
        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\npersistent_keepalive_interval=25"));
        Assert.True(device.TryDequeueTransmit(new byte[256], Now, out var transmit)); // no session yet: an initiation
        Assert.Equal(148, transmit.Length);
    }

    [Fact]
    public void AFailedSet_LeavesTheConfigurationIntact()
    {
        var device = NewDevice();
        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\nallowed_ip=10.0.0.0/8"));

        // replace_peers and a new peer come first, but a later line is bad: nothing is applied.
        Assert.Equal(UapiErrno.InvalidArgument, Set(device, $"replace_peers=true\npublic_key={Hex(3)}\nallowed_ip=10.9.0.0/16\npersistent_keepalive_interval=soon"));
        Assert.Equal([Key(2).GetPublicKey()], device.Peers.Select(p => p.PublicKey));
        Assert.Equal(1, device.AllowedIps.Count);

        Assert.Equal(UapiErrno.InvalidArgument, Set(device, $"private_key={new string('0', 63)}\npublic_key={Hex(3)}"));
        Assert.Single(device.Peers);
        Assert.Equal(DeviceKey.GetPublicKey(), device.PublicKey);
    }

    [Fact]
    public void AnAllZeroPrivateKey_RemovesTheKey_AndKeepsThePeers()
    {
        var device = NewDevice();
        Assert.Equal(0, Set(device, $"public_key={Hex(2)}\nallowed_ip=10.0.0.0/8"));
        Assert.Equal(0, Set(device, $"private_key={new string('0', 64)}"));
        Assert.False(device.HasPrivateKey);
        Assert.True(device.PublicKey.IsEmpty);
        Assert.Single(device.Peers);
    }
}
