using System.Net;
using Tunnel.Core.Crypto;
using Tunnel.Uapi;

namespace Tunnel.Tests.Uapi;

public sealed class UapiProtocolTests
{
    private const string PeerHex = "d1e77c6b5193f84822456a5696f857b5de2d70420d3cd8c334e66d941e9e035a";
    private const string PrivateHex = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void WhatWgSetSends_ParsesIntoOnePeerUpdate()
    {
        // `wg set wg0 listen-port 51820 peer <pub> persistent-keepalive 25 allowed-ips 10.200.0.2/32,198.51.100.0/24`
        Assert.True(UapiProtocol.TryParseSet(Lines($"""
            listen_port=51820
            public_key={PeerHex}
            persistent_keepalive_interval=25
            replace_allowed_ips=true
            allowed_ip=10.200.0.2/32
            allowed_ip=198.51.100.0/24
            """), out var request, out int errno, out _));

        Assert.Equal(0, errno);
        Assert.Equal((ushort)51820, request.ListenPort);
        Assert.Null(request.PrivateKey);
        Assert.False(request.ReplacePeers);
        var peer = Assert.Single(request.Peers);
        Assert.Equal(PeerHex, peer.PublicKey.ToHexString());
        Assert.Equal((ushort)25, peer.PersistentKeepaliveInterval);
        Assert.True(peer.ReplaceAllowedIps);
        Assert.Equal([new(IPNetwork.Parse("10.200.0.2/32"), false), new(IPNetwork.Parse("198.51.100.0/24"), false)], peer.AllowedIps);
    }

    [Fact]
    public void WhatWgSetconfSends_ReplacesPeersAndCarriesTheEndpoint()
    {
        Assert.True(UapiProtocol.TryParseSet(Lines($"""
            private_key={PrivateHex}
            listen_port=51820
            fwmark=0
            replace_peers=true
            public_key={PeerHex}
            endpoint=192.0.2.2:51820
            replace_allowed_ips=true
            allowed_ip=10.200.0.2/32
            public_key={PrivateHex}
            endpoint=[2001:db8::7]:4500
            remove=true
            """), out var request, out _, out _));

        Assert.Equal(PrivateHex, request.PrivateKey!.Value.ToHexString());
        Assert.Equal(0u, request.FwMark);
        Assert.True(request.ReplacePeers);
        Assert.Equal(2, request.Peers.Count);
        Assert.Equal(IPEndPoint.Parse("192.0.2.2:51820"), request.Peers[0].Endpoint);
        Assert.Equal(IPEndPoint.Parse("[2001:db8::7]:4500"), request.Peers[1].Endpoint);
        Assert.True(request.Peers[1].Remove);
        Assert.Empty(request.Peers[1].AllowedIps);
    }

    [Fact]
    public void ALeadingMinus_RemovesAnAllowedIp_AndHostBitsAreCleared()
    {
        Assert.True(UapiProtocol.TryParseSet([$"public_key={PeerHex}", "allowed_ip=-10.1.2.3/8", "allowed_ip=fd00::1/64", "update_only=true"], out var request, out _, out _));
        var peer = request.Peers[0];
        Assert.True(peer.UpdateOnly);
        Assert.Equal([new(IPNetwork.Parse("10.0.0.0/8"), true), new(IPNetwork.Parse("fd00::/64"), false)], peer.AllowedIps);
    }

    [Theory]
    [InlineData("listen_port", UapiErrno.ProtocolError)]
    [InlineData("listen_port=notanumber", UapiErrno.InvalidArgument)]
    [InlineData("listen_port=65536", UapiErrno.InvalidArgument)]
    [InlineData("fwmark=-1", UapiErrno.InvalidArgument)]
    [InlineData("private_key=abc", UapiErrno.InvalidArgument)]
    [InlineData("replace_peers=false", UapiErrno.InvalidArgument)]
    [InlineData("persistent_keepalive_interval=5", UapiErrno.InvalidArgument)] // a peer key before any public_key
    [InlineData("bogus=1", UapiErrno.InvalidArgument)]
    [InlineData("public_key=xyz", UapiErrno.InvalidArgument)]
    [InlineData("public_key=" + PeerHex + "\nendpoint=vpn.example.com:51820", UapiErrno.InvalidArgument)] // names are resolved by wg, not sent
    [InlineData("public_key=" + PeerHex + "\nendpoint=192.0.2.1", UapiErrno.InvalidArgument)]
    [InlineData("public_key=" + PeerHex + "\nallowed_ip=10.0.0.1", UapiErrno.InvalidArgument)]
    [InlineData("public_key=" + PeerHex + "\nprotocol_version=2", UapiErrno.InvalidArgument)]
    [InlineData("public_key=" + PeerHex + "\nremove=yes", UapiErrno.InvalidArgument)]
    [InlineData("public_key=" + PeerHex + "\nlisten_port=1", UapiErrno.InvalidArgument)] // a device key inside a peer
    public void ABadLine_RejectsTheWholeRequest_WithWireGuardGosErrno(string text, int expected)
    {
        string[] lines = ["listen_port=1234", .. Lines(text)];
        Assert.False(UapiProtocol.TryParseSet(lines, out var request, out int errno, out string? error));
        Assert.Null(request);
        Assert.Equal(expected, errno);
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Equal("errno=" + expected + "\n\n", UapiProtocol.FormatStatus(errno));
    }

    [Fact]
    public void Get_FollowsWireGuardGosKeysAndOrder()
    {
        Assert.True(PublicKey.TryParseHex(PeerHex, out var peerKey));
        Assert.True(PrivateKey.TryParseHex(PrivateHex, out var privateKey));
        var state = new UapiDeviceState
        {
            PrivateKey = privateKey,
            ListenPort = 51820,
            Peers =
            [
                new UapiPeerState
                {
                    PublicKey = peerKey,
                    Endpoint = IPEndPoint.Parse("192.0.2.2:51820"),
                    LastHandshake = DateTimeOffset.FromUnixTimeSeconds(1795900413).AddTicks(4452399),
                    TransmittedBytes = 788,
                    ReceivedBytes = 732,
                    AllowedIps = [IPNetwork.Parse("10.200.0.2/32")],
                },
            ],
        };

        Assert.Equal(
            $"""
            private_key={PrivateHex}
            listen_port=51820
            public_key={PeerHex}
            preshared_key=0000000000000000000000000000000000000000000000000000000000000000
            protocol_version=1
            endpoint=192.0.2.2:51820
            last_handshake_time_sec=1795900413
            last_handshake_time_nsec=445239900
            tx_bytes=788
            rx_bytes=732
            persistent_keepalive_interval=0
            allowed_ip=10.200.0.2/32

            """,
            UapiProtocol.FormatGet(state));
    }

    [Fact]
    public void Get_OmitsUnsetDeviceValues_AndPrintsZeroForANeverHandshake()
    {
        Assert.True(PublicKey.TryParseHex(PeerHex, out var peerKey));
        string text = UapiProtocol.FormatGet(new UapiDeviceState { FwMark = 51820, Peers = [new UapiPeerState { PublicKey = peerKey }] });
        Assert.StartsWith("fwmark=51820\npublic_key=", text, StringComparison.Ordinal);
        Assert.Contains("last_handshake_time_sec=0\nlast_handshake_time_nsec=0\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("endpoint=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("private_key=", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatSet_IsReadBackByTryParseSet()
    {
        Assert.True(PublicKey.TryParseHex(PeerHex, out var peerKey));
        Assert.True(PrivateKey.TryParseHex(PrivateHex, out var privateKey));
        var request = new UapiSetRequest
        {
            PrivateKey = privateKey,
            ListenPort = 51820,
            FwMark = 7,
            ReplacePeers = true,
            Peers =
            [
                new UapiPeerUpdate
                {
                    PublicKey = peerKey,
                    UpdateOnly = true,
                    PresharedKey = default(PresharedKey),
                    Endpoint = IPEndPoint.Parse("[2001:db8::2]:4500"),
                    PersistentKeepaliveInterval = 25,
                    ReplaceAllowedIps = true,
                    AllowedIps = [new(IPNetwork.Parse("10.0.0.0/8"), false), new(IPNetwork.Parse("fd00::/64"), true)],
                },
                new UapiPeerUpdate { PublicKey = privateKey.GetPublicKey(), Remove = true },
            ],
        };

        string text = UapiProtocol.FormatSet(request);
        Assert.Contains("allowed_ip=-fd00::/64\n", text, StringComparison.Ordinal);
        Assert.True(UapiProtocol.TryParseSet(Lines(text), out var parsed, out _, out var error), error);
        Assert.Equal(UapiProtocol.FormatSet(parsed), text);
        Assert.Equal(request.Peers[0].AllowedIps, parsed.Peers[0].AllowedIps);
        Assert.Equal(request.Peers[0].Endpoint, parsed.Peers[0].Endpoint);
        Assert.True(parsed.Peers[1].Remove);
    }

    [Fact]
    public void TryParseGet_ReadsWhatFormatGetWrites_AndReportsTheErrno()
    {
        Assert.True(PublicKey.TryParseHex(PeerHex, out var peerKey));
        var state = new UapiDeviceState
        {
            ListenPort = 51820,
            FwMark = 3,
            Peers =
            [
                new UapiPeerState
                {
                    PublicKey = peerKey,
                    Endpoint = IPEndPoint.Parse("192.0.2.2:51820"),
                    LastHandshake = DateTimeOffset.FromUnixTimeSeconds(1795900413).AddTicks(4452399),
                    TransmittedBytes = 788,
                    ReceivedBytes = 732,
                    PersistentKeepaliveInterval = 25,
                    AllowedIps = [IPNetwork.Parse("10.200.0.2/32"), IPNetwork.Parse("fd00::/48")],
                },
            ],
        };

        string text = UapiProtocol.FormatGet(state) + "errno=0";
        Assert.True(UapiProtocol.TryParseGet(Lines(text), out var parsed, out int errno, out var error), error);
        Assert.Equal(0, errno);
        Assert.Equal(UapiProtocol.FormatGet(state), UapiProtocol.FormatGet(parsed));
        Assert.Null(parsed.PrivateKey);

        Assert.False(UapiProtocol.TryParseGet(["errno=-5"], out _, out errno, out _));
        Assert.Equal(UapiErrno.IOError, errno);
        Assert.False(UapiProtocol.TryParseGet(["listen_port=1"], out _, out _, out error));
        Assert.Contains("errno", error, StringComparison.Ordinal);
    }
}
