using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;

namespace Tunnel.Tests.Configuration;

public sealed class WireGuardConfigurationTests
{
    private const string PrivateKeyText = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
    private const string PublicKeyText = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

    private const string Sample = """
        # A road-warrior client.
        [Interface]
        PrivateKey = dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=
        ListenPort = 51820
        FwMark = 0xca6c
        Address = 10.0.0.2/24, fd00::2/64
        Address = 192.168.77.1
        DNS = 10.0.0.1, corp.example.com
        MTU = 1380
        Table = off
        PostUp = iptables -A FORWARD -i %i -j ACCEPT
        PostUp = echo up
        PreDown = echo going down
        SaveConfig = false

        [Peer]
        PublicKey = hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
        PresharedKey = dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=
        AllowedIPs = 0.0.0.0/0, ::/0   # everything
        Endpoint = vpn.example.com:51820
        PersistentKeepalive = 25

        [peer]
        publickey = hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
        AllowedIPs = 10.1.2.3/8
        Endpoint = [2001:db8::1]:4500
        PersistentKeepalive = off
        """;

    [Fact]
    public void Parse_ReadsEveryKeyOfBothSections()
    {
        var configuration = WireGuardConfiguration.Parse(Sample);
        var iface = configuration.Interface;

        Assert.Equal(PrivateKeyText, iface.PrivateKey!.Value.ToBase64String());
        Assert.Equal((ushort)51820, iface.ListenPort);
        Assert.Equal(0xca6cu, iface.FwMark);
        Assert.Equal(["10.0.0.2/24", "fd00::2/64", "192.168.77.1/32"], iface.Addresses.Select(a => a.ToString()));
        Assert.Equal([IPAddress.Parse("10.0.0.1")], iface.DnsServers);
        Assert.Equal(["corp.example.com"], iface.DnsSearchDomains);
        Assert.Equal(1380, iface.Mtu);
        Assert.Equal("off", iface.Table);
        Assert.Equal(["iptables -A FORWARD -i %i -j ACCEPT", "echo up"], iface.PostUp);
        Assert.Equal(["echo going down"], iface.PreDown);
        Assert.Empty(iface.PreUp);
        Assert.False(iface.SaveConfig);

        Assert.Equal(2, configuration.Peers.Count);
        var first = configuration.Peers[0];
        Assert.Equal(PublicKeyText, first.PublicKey.ToBase64String());
        Assert.NotNull(first.PresharedKey);
        Assert.Equal([IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")], first.AllowedIps);
        Assert.Equal(new PeerEndpoint("vpn.example.com", 51820), first.Endpoint);
        Assert.Null(first.Endpoint!.Value.Address);
        Assert.Equal((ushort)25, first.PersistentKeepalive);

        var second = configuration.Peers[1];
        Assert.Equal([IPNetwork.Parse("10.0.0.0/8")], second.AllowedIps); // host bits cleared, as wg does
        Assert.Equal(IPAddress.Parse("2001:db8::1"), second.Endpoint!.Value.Address);
        Assert.Null(second.PersistentKeepalive);
    }

    [Fact]
    public void ToString_WritesAFileThatParsesBackToTheSameConfiguration()
    {
        string written = WireGuardConfiguration.Parse(Sample).ToConfigurationText();
        Assert.Equal(written, WireGuardConfiguration.Parse(written).ToConfigurationText());
        Assert.Contains("Endpoint = [2001:db8::1]:4500", written, StringComparison.Ordinal);
        Assert.Contains("AllowedIPs = 10.0.0.0/8", written, StringComparison.Ordinal);
        Assert.Contains("FwMark = 0xca6c", written, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[Interface]\nPrivateKey = nope", 2, "PrivateKey")]
    [InlineData("[Interface]\nListenPort = 70000", 2, "ListenPort")]
    [InlineData("[Interface]\nFwMark = 0xzz", 2, "FwMark")]
    [InlineData("[Interface]\nAddress = 10.0.0.1/33", 2, "10.0.0.1/33")]
    [InlineData("[Interface]\nDNS = 10.0.0.1, bad domain", 2, "bad domain")]
    [InlineData("[Interface]\nMTU = 100", 2, "MTU")]
    [InlineData("[Interface]\nSaveConfig = maybe", 2, "SaveConfig")]
    [InlineData("[Interface]\nColour = blue", 2, "unknown key 'Colour'")]
    [InlineData("PrivateKey = x", 1, "outside a section")]
    [InlineData("[Interface]\n[Interface]", 2, "second [Interface]")]
    [InlineData("[Interface]\n\n[Tunnel]", 3, "unknown section")]
    [InlineData("[Interface]\nthis line has no equals sign", 2, "Key = Value")]
    [InlineData("[Peer]\nAllowedIPs = 10.0.0.0/8", 1, "no PublicKey")]
    [InlineData("[Peer]\nPublicKey = hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nEndpoint = 2001:db8::1:51820", 3, "Endpoint")]
    [InlineData("[Peer]\nPublicKey = hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nEndpoint = host:0", 3, "Endpoint")]
    [InlineData("[Peer]\nPublicKey = hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nPersistentKeepalive = -1", 3, "PersistentKeepalive")]
    [InlineData("[Peer]\nPublicKey = hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nPresharedKey = short=", 3, "PresharedKey")]
    [InlineData("[Peer]\nPublicKey = hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\nListenPort = 1", 3, "unknown key 'ListenPort' in [Peer]")]
    public void ABadLine_IsReportedWithItsNumber(string text, int line, string mentions)
    {
        var error = Assert.Throws<WireGuardConfigurationException>(() => WireGuardConfiguration.Parse(text));
        Assert.Equal(line, error.LineNumber);
        Assert.StartsWith($"line {line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(mentions, error.Problem, StringComparison.Ordinal);

        Assert.False(WireGuardConfiguration.TryParse(text, out var configuration, out var reported));
        Assert.Null(configuration);
        Assert.Equal(line, reported.LineNumber);
    }

    [Fact]
    public void OffValues_AndCrLfLineEndings_AreAccepted()
    {
        var configuration = WireGuardConfiguration.Parse("[Interface]\r\nFwMark = off\r\nListenPort = 0\r\n\r\n[Peer]\r\nPublicKey = " + PublicKeyText + "\r\nPersistentKeepalive = 0\r\n");
        Assert.Null(configuration.Interface.FwMark);
        Assert.Equal((ushort)0, configuration.Interface.ListenPort);
        Assert.Null(configuration.Peers[0].PersistentKeepalive);
    }

    /// <summary>Random configurations survive writing and reading: the written text is a fixed point.</summary>
    [Property(MaxTest = 200)]
    public Property WriteThenParse_IsAFixedPoint()
    {
        var key = Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 32);
        var v4 = Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 4).Select(b => new IPAddress(b));
        var v6 = Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 16).Select(b => new IPAddress(b));
        var prefix = Gen.OneOf(
            from a in v4 from l in Gen.Choose(0, 32) select Mask(a, l),
            from a in v6 from l in Gen.Choose(0, 128) select Mask(a, l));
        var endpoint = Gen.OneOf(
            from a in v4 from p in Gen.Choose(1, 65535) select (PeerEndpoint?)new PeerEndpoint(a.ToString(), (ushort)p),
            from a in v6 from p in Gen.Choose(1, 65535) select (PeerEndpoint?)new PeerEndpoint(a.ToString(), (ushort)p),
            Gen.Constant((PeerEndpoint?)new PeerEndpoint("peer-1.example.net", 51820)),
            Gen.Constant((PeerEndpoint?)null));
        var peer =
            from k in key
            from psk in Gen.OneOf(key.Select(b => (PresharedKey?)new PresharedKey(b)), Gen.Constant((PresharedKey?)null))
            from ips in Gen.ListOf(prefix)
            from e in endpoint
            from keepalive in Gen.OneOf(Gen.Choose(1, 65535).Select(v => (ushort?)v), Gen.Constant((ushort?)null))
            select new PeerConfiguration { PublicKey = new PublicKey(k), PresharedKey = psk, AllowedIps = ips.ToList(), Endpoint = e, PersistentKeepalive = keepalive };
        var configuration =
            from k in key
            from port in Gen.Choose(0, 65535)
            from mark in Gen.OneOf(ArbMap.Default.GeneratorFor<uint>().Where(m => m != 0).Select(m => (uint?)m), Gen.Constant((uint?)null))
            from addresses in Gen.ListOf(Gen.OneOf(v4, v6).SelectMany(a => Gen.Choose(0, a.GetAddressBytes().Length * 8).Select(l => new InterfaceAddress(a, l))))
            from mtu in Gen.OneOf(Gen.Choose(576, 9000).Select(m => (int?)m), Gen.Constant((int?)null))
            from peers in Gen.ListOf(peer)
            select new WireGuardConfiguration
            {
                Interface = new InterfaceConfiguration { PrivateKey = new PrivateKey(k), ListenPort = (ushort)port, FwMark = mark, Addresses = addresses.ToList(), Mtu = mtu, PostUp = ["echo a, b"] },
                Peers = peers.ToList(),
            };

        return Prop.ForAll(configuration.ToArbitrary(), c =>
        {
            string written = c.ToConfigurationText();
            var parsed = WireGuardConfiguration.Parse(written);
            return written == parsed.ToConfigurationText()
                && parsed.Peers.Count == c.Peers.Count
                && parsed.Peers.Zip(c.Peers).All(p => p.First.PublicKey == p.Second.PublicKey && p.First.AllowedIps.SequenceEqual(p.Second.AllowedIps) && p.First.Endpoint == p.Second.Endpoint);
        });
    }

    private static IPNetwork Mask(IPAddress address, int length)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int bit = length; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), length);
    }
}
