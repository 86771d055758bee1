using System.Net;
using System.Net.Sockets;
using Tunnel.Configuration;
using Tunnel.Connections;
using Tunnel.Core.Crypto;
using Tunnel.Testing;
using Tunnel.Tests.Hosting;

namespace Tunnel.Tests.Connections;

public sealed class TunnelConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly PrivateKey KeyA = HostPair.NewKey(new DeterministicEntropy(41));
    private static readonly PrivateKey KeyB = HostPair.NewKey(new DeterministicEntropy(42));

    private static WireGuardConfiguration Conf(string interfaceLines, string allowedIps, PrivateKey? key = null, PrivateKey? peer = null, string? endpoint = "192.0.2.2:51820") =>
        WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {(key ?? KeyA).ToBase64String()}
            {interfaceLines}

            [Peer]
            PublicKey = {(peer ?? KeyB).GetPublicKey().ToBase64String()}
            AllowedIPs = {allowedIps}
            {(endpoint is null ? string.Empty : $"Endpoint = {endpoint}")}
            """);

    private static (FakeTunnelPlatform Platform, TunnelConnectionOptions Options) Fake(string name = "wg0")
    {
        var platform = new FakeTunnelPlatform(new InMemoryNetwork(), IPAddress.Parse("192.0.2.1"));
        return (platform, new TunnelConnectionOptions { InterfaceName = name, Platform = platform });
    }

    [Fact]
    public async Task ADefaultRoute_GoesToATableOfItsOwn_WithRules_AndTheSocketCarriesItsMark()
    {
        var (platform, options) = Fake();
        platform.UnusedTable = 51821;
        await using var connection = await TunnelConnection.OpenAsync(Conf("Address = 10.9.0.2/24, fd09::2/64", "0.0.0.0/0, ::/0, 10.9.0.1/32"), options, TestContext.Current.CancellationToken);

        TunnelInterfaceSettings applied = platform.Applied!;
        Assert.Equal([new InterfaceAddress(IPAddress.Parse("10.9.0.2"), 24), new InterfaceAddress(IPAddress.Parse("fd09::2"), 64)], applied.Addresses);
        Assert.Equal(
            [new TunnelRoute(IPNetwork.Parse("10.9.0.1/32")), new TunnelRoute(IPNetwork.Parse("0.0.0.0/0"), 51821), new TunnelRoute(IPNetwork.Parse("::/0"), 51821)],
            applied.Routes);
        Assert.Equal(
            [new TunnelPolicyRule(AddressFamily.InterNetwork, 51821, 51821), new TunnelPolicyRule(AddressFamily.InterNetworkV6, 51821, 51821)],
            applied.PolicyRules);
        Assert.Equal(51821u, connection.FirewallMark);
        Assert.Equal(51821u, connection.Host.GetStatus().FirewallMark);
        Assert.Contains("find table from 51820", platform.Journal);
    }

    [Fact]
    public async Task AnInterfaceTheOsNamedItself_IsConfiguredAndReportedByThatName_WithThePeersEndpoints()
    {
        var (platform, options) = Fake("wg0");
        platform.KernelChosenName = "utun7";
        await using (var connection = await TunnelConnection.OpenAsync(Conf("Address = 10.9.0.2/32\nDNS = 10.9.0.1", "0.0.0.0/0"), options, TestContext.Current.CancellationToken))
        {
            Assert.Equal("utun7", connection.InterfaceName);
            Assert.Contains("interface utun7", platform.Journal);
            Assert.Contains("resolver utun7", platform.Journal);
            Assert.Equal([IPAddress.Parse("192.0.2.2")], platform.Applied!.PeerEndpoints);
        }

        Assert.Contains("tun utun7 closed", platform.Journal);
    }

    [Fact]
    public async Task TheConfigurationsFwMark_IsTheFullTunnelsTable()
    {
        var (platform, options) = Fake();
        await using var connection = await TunnelConnection.OpenAsync(Conf("FwMark = 0x1234", "0.0.0.0/0"), options, TestContext.Current.CancellationToken);
        Assert.Equal([new TunnelRoute(IPNetwork.Parse("0.0.0.0/0"), 0x1234)], platform.Applied!.Routes);
        Assert.Equal([new TunnelPolicyRule(AddressFamily.InterNetwork, 0x1234, 0x1234)], platform.Applied.PolicyRules);
        Assert.DoesNotContain(platform.Journal, step => step.StartsWith("find table", StringComparison.Ordinal));
        Assert.Equal(0x1234u, connection.Host.GetStatus().FirewallMark);
    }

    [Fact]
    public async Task Subnets_AreMainTableRoutes_LongestFirst_WithNoRulesAndNoMark()
    {
        var (platform, options) = Fake();
        await using var connection = await TunnelConnection.OpenAsync(Conf("Address = 10.9.0.2/32", "10.0.0.0/8, 10.9.0.0/24, fd00::/8, 10.9.0.7/32, 10.9.0.9/24"), options, TestContext.Current.CancellationToken);
        // 10.9.0.9/24 is 10.9.0.0/24 once its host bits are cleared, as the kernel would store it: one route.
        Assert.Equal(
            [
                new TunnelRoute(IPNetwork.Parse("10.9.0.7/32")),
                new TunnelRoute(IPNetwork.Parse("10.9.0.0/24")),
                new TunnelRoute(IPNetwork.Parse("10.0.0.0/8")),
                new TunnelRoute(IPNetwork.Parse("fd00::/8")),
            ],
            platform.Applied!.Routes);
        Assert.Empty(platform.Applied.PolicyRules);
        Assert.Equal(0u, connection.FirewallMark);
        Assert.Equal(0u, connection.Host.GetStatus().FirewallMark);
    }

    [Theory]
    [InlineData("Table = off", null, 0)]
    [InlineData("Table = 1234", 1234u, 2)]
    [InlineData("Table = main", null, 2)]
    [InlineData("Table = 254", null, 2)]
    public async Task TheTableKey_IsHonouredAsWgQuickHonoursIt(string line, uint? table, int routes)
    {
        var (platform, options) = Fake();
        await using var connection = await TunnelConnection.OpenAsync(Conf(line, "0.0.0.0/0, 10.1.0.0/16"), options, TestContext.Current.CancellationToken);
        Assert.Equal(routes, platform.Applied!.Routes.Count);
        Assert.All(platform.Applied.Routes, route => Assert.Equal(table, route.Table));
        Assert.Empty(platform.Applied.PolicyRules);
        Assert.Equal(0u, connection.Host.GetStatus().FirewallMark);
    }

    [Fact]
    public async Task ATableName_IsRefused_AndNothingIsLeft()
    {
        var (platform, options) = Fake();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => TunnelConnection.OpenAsync(Conf("Table = vpn", "10.1.0.0/16"), options, TestContext.Current.CancellationToken));
        Assert.Contains("vpn", error.Message, StringComparison.Ordinal);
        Assert.Equal(["tun wg0 mtu 1420", "interface wg0", "interface undone", "tun wg0 closed"], platform.Journal);
    }

    [Fact]
    public async Task Opening_GoesInWgQuicksOrder_AndClosingUndoesItInReverse()
    {
        var (platform, options) = Fake();
        var connection = await TunnelConnection.OpenAsync(Conf("Address = 10.9.0.2/24\nMTU = 1380\nDNS = 10.9.0.53, corp.example", "10.9.0.0/24"), options, TestContext.Current.CancellationToken);
        Assert.Equal(["tun wg0 mtu 1380", "interface wg0", "apply", "resolver wg0", "resolver apply"], platform.Journal);
        Assert.True(connection.ResolverConfigured);
        Assert.Equal([IPAddress.Parse("10.9.0.53")], platform.Resolver!.Nameservers);
        Assert.Equal(["corp.example"], platform.Resolver.SearchDomains);

        platform.Journal.Clear();
        await connection.DisposeAsync();
        await connection.DisposeAsync();
        Assert.Equal(["resolver restored", "interface undone", "tun wg0 closed"], platform.Journal);
        Assert.Null(platform.Resolver);
    }

    [Fact]
    public async Task WithoutConfigureDns_TheResolverIsNotTouched()
    {
        var (platform, options) = Fake();
        await using var connection = await TunnelConnection.OpenAsync(Conf("DNS = 10.9.0.53", "10.9.0.0/24"), options with { ConfigureDns = false }, TestContext.Current.CancellationToken);
        Assert.False(connection.ResolverConfigured);
        Assert.DoesNotContain(platform.Journal, step => step.StartsWith("resolver", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("interface", new[] { "tun wg0 mtu 1420", "interface wg0", "tun wg0 closed" })]
    [InlineData("apply", new[] { "tun wg0 mtu 1420", "interface wg0", "apply", "interface undone", "tun wg0 closed" })]
    [InlineData("resolver apply", new[] { "tun wg0 mtu 1420", "interface wg0", "apply", "resolver wg0", "resolver apply", "resolver restored", "interface undone", "tun wg0 closed" })]
    public async Task AStepThatFails_UndoesEveryStepBeforeIt(string failAt, string[] journal)
    {
        var (platform, options) = Fake();
        platform.FailAt = failAt;
        await Assert.ThrowsAsync<IOException>(() => TunnelConnection.OpenAsync(Conf("DNS = 10.9.0.53", "10.9.0.0/24"), options, TestContext.Current.CancellationToken));
        Assert.Equal(journal, platform.Journal);
    }

    [Fact]
    public async Task ARouting_ReplacesTheAllowedIpsRoutes_StartsLast_AndStopsFirst()
    {
        var (platform, options) = Fake();
        var routing = new RecordingTunnelRouting(platform, mark: 52820);
        var connection = await TunnelConnection.OpenAsync(Conf("Address = 10.9.0.2/24\nDNS = 10.9.0.53", "0.0.0.0/0, 10.9.0.0/24"), options with { Routing = routing }, TestContext.Current.CancellationToken);

        Assert.Equal(["tun wg0 mtu 1420", "routing attach", "interface wg0", "apply", "resolver wg0", "resolver apply", "routing start"], platform.Journal);
        Assert.Empty(platform.Applied!.Routes); // not the allowed IPs': the routing's
        Assert.Empty(platform.Applied.PolicyRules);
        Assert.DoesNotContain(platform.Journal, step => step.StartsWith("find table", StringComparison.Ordinal));
        Assert.Single(platform.Applied.Addresses);
        Assert.Equal(52820u, connection.FirewallMark); // the routing's mark, read back from the device
        Assert.Equal("wg0", routing.Context!.InterfaceName);
        Assert.Null(routing.Context.Configuration.Interface.PrivateKey); // the routing never sees the key

        platform.Journal.Clear();
        await connection.DisposeAsync();
        Assert.Equal(["resolver restored", "routing stop, opened: True", "interface undone", "tun wg0 closed"], platform.Journal);
    }

    [Fact]
    public async Task ARoutingThatConfiguresTheResolver_KeepsTheConfigurationsDnsOutOfIt()
    {
        var (platform, options) = Fake();
        await using var connection = await TunnelConnection.OpenAsync(Conf("DNS = 10.9.0.53", "10.9.0.0/24"), options with { Routing = new RecordingTunnelRouting(platform, configuresResolver: true) }, TestContext.Current.CancellationToken);
        Assert.False(connection.ResolverConfigured);
        Assert.DoesNotContain(platform.Journal, step => step.StartsWith("resolver", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("routing attach", new[] { "tun wg0 mtu 1420", "routing attach", "tun wg0 closed" })]
    [InlineData("apply", new[] { "tun wg0 mtu 1420", "routing attach", "interface wg0", "apply", "routing stop, opened: False", "interface undone", "tun wg0 closed" })]
    [InlineData("routing start", new[] { "tun wg0 mtu 1420", "routing attach", "interface wg0", "apply", "routing start", "routing stop, opened: False", "interface undone", "tun wg0 closed" })]
    public async Task ARoutedOpeningThatFails_StopsTheRoutingOnlyOnceAttached(string failAt, string[] journal)
    {
        var (platform, options) = Fake();
        var routing = new RecordingTunnelRouting(platform);
        if (failAt == "apply")
        {
            platform.FailAt = failAt;
        }
        else
        {
            routing.FailAt = failAt;
        }

        await Assert.ThrowsAsync<IOException>(() => TunnelConnection.OpenAsync(Conf(string.Empty, "10.9.0.0/24"), options with { Routing = routing }, TestContext.Current.CancellationToken));
        Assert.Equal(journal, platform.Journal);
    }

    [Fact]
    public async Task AFailedTunDevice_LeavesNothing()
    {
        var (platform, options) = Fake();
        platform.FailAt = "tun";
        await Assert.ThrowsAsync<IOException>(() => TunnelConnection.OpenAsync(Conf(string.Empty, "10.9.0.0/24"), options, TestContext.Current.CancellationToken));
        Assert.Equal(["tun wg0 mtu 1420"], platform.Journal);
    }

    [Fact]
    public async Task AConfigurationWithoutAPrivateKey_IsRefusedBeforeAnythingExists()
    {
        var (platform, options) = Fake();
        var keyless = Conf(string.Empty, "10.9.0.0/24") with { Interface = new InterfaceConfiguration() };
        await Assert.ThrowsAsync<ArgumentException>(() => TunnelConnection.OpenAsync(keyless, options, TestContext.Current.CancellationToken));
        Assert.Empty(platform.Journal);
    }

    [Fact]
    public async Task TwoConnections_CarryAPacket()
    {
        var network = new InMemoryNetwork();
        var platformA = new FakeTunnelPlatform(network, IPAddress.Parse("192.0.2.1"));
        var platformB = new FakeTunnelPlatform(network, IPAddress.Parse("192.0.2.2"));
        await using var a = await TunnelConnection.OpenAsync(
            Conf("Address = 10.9.0.1/24", "10.9.0.2/32", KeyA, KeyB, endpoint: "192.0.2.2:51820"),
            new TunnelConnectionOptions { InterfaceName = "wga", Platform = platformA },
            TestContext.Current.CancellationToken);
        await using var b = await TunnelConnection.OpenAsync(
            Conf("Address = 10.9.0.2/24\nListenPort = 51820", "10.9.0.1/32", KeyB, KeyA, endpoint: null),
            new TunnelConnectionOptions { InterfaceName = "wgb", Platform = platformB },
            TestContext.Current.CancellationToken);

        byte[] packet = PacketBuilder.IPv4(IPAddress.Parse("10.9.0.1"), IPAddress.Parse("10.9.0.2"), [1, 2, 3, 4]);
        Assert.True(platformA.Devices[0].TryInject(packet, Timeout));
        var received = new byte[2048];
        Assert.True(platformB.Devices[0].TryTake(received, out int length, Timeout), "the packet did not come out of B's device");
        Assert.Equal(packet, received[..length]);
        Assert.Contains(b.Host.GetPeers(), peer => peer.PublicKey == KeyA.GetPublicKey() && peer.LastHandshake is not null);
    }
}
