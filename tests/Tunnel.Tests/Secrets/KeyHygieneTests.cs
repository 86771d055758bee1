using System.Net;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;
using Tunnel.Testing;
using Tunnel.Tests.Hosting;
using Tunnel.Uapi;

namespace Tunnel.Tests.Secrets;

/// <summary>No <c>ToString()</c> and no status carries a key; a stopped host holds none.</summary>
public sealed class KeyHygieneTests
{
    private const string PrivateText = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
    private const string PresharedText = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=";

    private static readonly PrivateKey Private = ParsePrivate(PrivateText);
    private static readonly PresharedKey Preshared = ParsePreshared(PresharedText);

    private static readonly string Conf = $"""
        [Interface]
        PrivateKey = {PrivateText}
        Address = 10.64.0.2/32
        PostUp = echo up

        [Peer]
        PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
        PresharedKey = {PresharedText}
        Endpoint = 203.0.113.7:51820
        AllowedIPs = 0.0.0.0/0
        """;

    public static TheoryData<string, object> Printed() => new()
    {
        { "TunnelOptions", new TunnelOptions { PrivateKey = Private, Peers = [Peer()] } },
        { "TunnelPeerOptions", Peer() },
        { "WireGuardConfiguration", WireGuardConfiguration.Parse(Conf) },
        { "InterfaceConfiguration", WireGuardConfiguration.Parse(Conf).Interface },
        { "PeerConfiguration", WireGuardConfiguration.Parse(Conf).Peers[0] },
        { "UapiSetRequest", new UapiSetRequest { PrivateKey = Private, Peers = [new UapiPeerUpdate { PublicKey = Private.GetPublicKey(), PresharedKey = Preshared }] } },
        { "UapiPeerUpdate", new UapiPeerUpdate { PublicKey = Private.GetPublicKey(), PresharedKey = Preshared } },
        { "UapiDeviceState", new UapiDeviceState { PrivateKey = Private, Peers = [new UapiPeerState { PublicKey = Private.GetPublicKey(), PresharedKey = Preshared }] } },
    };

    [Theory]
    [MemberData(nameof(Printed))]
    public void ToString_NeverPrintsAKey(string type, object value)
    {
        string printed = value.ToString()!;

        Assert.False(string.IsNullOrEmpty(printed), type);
        foreach (string secret in Forms(Private.AsSpan()).Concat(Forms(Preshared.AsSpan())))
        {
            Assert.DoesNotContain(secret, printed, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void AConfigurationPrints_Hidden_ButItsFileTextKeepsTheKeys()
    {
        var configuration = WireGuardConfiguration.Parse(Conf);

        Assert.Contains("PrivateKey = (hidden)", configuration.ToString(), StringComparison.Ordinal);
        Assert.Contains("PresharedKey = (hidden)", configuration.ToString(), StringComparison.Ordinal);
        Assert.Contains($"PrivateKey = {PrivateText}", configuration.ToConfigurationText(), StringComparison.Ordinal);
        Assert.Equal(configuration.ToConfigurationText(), WireGuardConfiguration.Parse(configuration.ToConfigurationText()).ToConfigurationText());
    }

    [Fact]
    public void TheStatusTypes_HaveNoPropertyThatCanHoldAKey()
    {
        Type[] secret = [typeof(PrivateKey), typeof(PrivateKey?), typeof(PresharedKey), typeof(PresharedKey?)];

        Assert.All(typeof(TunnelStatus).GetProperties().Concat(typeof(TunnelPeerStatus).GetProperties()), property => Assert.DoesNotContain(property.PropertyType, secret));
    }

    [Fact]
    public async Task AStoppedHost_HoldsNoKey_AndTheCallersOptionsKeepTheirs()
    {
        var network = new InMemoryNetwork();
        var options = new TunnelOptions
        {
            PrivateKey = Private,
            CryptoHelperThreads = 0,
            Peers = [Peer() with { Endpoint = new IPEndPoint(HostPair.UnderlayB, 51820) }],
        };
        var host = new TunnelHost(options, new InMemoryTunDevice("tun-k"), network.CreateSocketFactory(HostPair.UnderlayA));
        host.Start();
        var running = host.GetState();
        var status = host.GetStatus();

        await host.DisposeAsync();
        var stopped = host.GetState();

        Assert.Equal(Private.AsSpan().ToArray(), running.PrivateKey!.Value.AsSpan().ToArray());
        Assert.Equal(Private.GetPublicKey(), status.PublicKey);
        Assert.Equal(new IPEndPoint(HostPair.UnderlayB, 51820), Assert.Single(status.Peers).Endpoint);
        Assert.True(stopped.PrivateKey!.Value.IsEmpty);
        Assert.True(Assert.Single(stopped.Peers).PresharedKey.IsEmpty);
        Assert.Equal(Private.AsSpan().ToArray(), options.PrivateKey!.Value.AsSpan().ToArray());
    }

    [Fact]
    public void ClearPrivateKey_WipesTheOptionsKeyInPlace()
    {
        var options = new TunnelOptions { PrivateKey = Private };
        var copy = options with { };

        options.ClearPrivateKey();

        Assert.True(options.PrivateKey!.Value.IsEmpty);
        Assert.False(copy.PrivateKey!.Value.IsEmpty);
    }

    [Fact]
    public void ClearPrivateKey_WipesAConfigurationsKeyInPlace()
    {
        var face = new Tunnel.Configuration.InterfaceConfiguration { PrivateKey = Private };
        var copy = face with { };

        face.ClearPrivateKey();

        Assert.True(face.PrivateKey!.Value.IsEmpty);
        Assert.False(copy.PrivateKey!.Value.IsEmpty);
        new Tunnel.Configuration.InterfaceConfiguration().ClearPrivateKey(); // no key: nothing to do
    }

    private static TunnelPeerOptions Peer() => new()
    {
        PublicKey = PublicKey.TryParse("xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=", out var key) ? key : default,
        PresharedKey = Preshared,
        AllowedIps = [IPNetwork.Parse("10.0.0.0/8")],
    };

    /// <summary>Every way a key could be printed: base64, hex either case, and the bytes as a list.</summary>
    private static IEnumerable<string> Forms(ReadOnlySpan<byte> key) =>
        [Convert.ToBase64String(key), Convert.ToHexString(key), string.Join(", ", key.ToArray())];

    private static PrivateKey ParsePrivate(string text) => PrivateKey.TryParse(text, out var key) ? key : throw new FormatException(text);

    private static PresharedKey ParsePreshared(string text) => PresharedKey.TryParse(text, out var key) ? key : throw new FormatException(text);
}
