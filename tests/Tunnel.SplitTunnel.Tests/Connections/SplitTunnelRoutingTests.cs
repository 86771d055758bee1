using System.Net;
using System.Net.Sockets;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;
using Tunnel.Dns;
using Tunnel.Routing;
using Tunnel.Testing;
using Tunnel.Tests.Connections;

namespace Tunnel.SplitTunnel.Tests.Connections;

/// <summary>A <see cref="TunnelConnection"/> routed by a <see cref="SplitTunnelRouting"/>, over a fake platform and a fake kernel table.</summary>
public sealed class SplitTunnelRoutingTests
{
    private static readonly IPNetwork Gateway = IPNetwork.Parse("192.0.2.2/32");

    private static WireGuardConfiguration Conf()
    {
        Span<byte> seed = stackalloc byte[32];
        new DeterministicEntropy(71).Fill(seed);
        var key = PrivateKey.Create(seed);
        new DeterministicEntropy(72).Fill(seed);
        var peer = PrivateKey.Create(seed);
        return WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {key.ToBase64String()}
            Address = 10.9.0.2/24
            DNS = 10.9.0.1, corp.test

            [Peer]
            PublicKey = {peer.GetPublicKey().ToBase64String()}
            AllowedIPs = 0.0.0.0/0, ::/0
            Endpoint = 192.0.2.2:51820
            """);
    }

    private static SplitTunnelPolicy Include(params string[] entries) =>
        new(SplitTunnelMode.Include, [.. SplitTunnelRule.LinkLocalAndMulticast, .. entries.Select(entry => SplitTunnelRule.Parse(entry))]);

    private static (FakeTunnelPlatform Platform, TunnelConnectionOptions Options) Fake(SplitTunnelRouting routing)
    {
        var platform = new FakeTunnelPlatform(new InMemoryNetwork(), IPAddress.Parse("192.0.2.1"));
        return (platform, new TunnelConnectionOptions { InterfaceName = "wg0", Platform = platform, Routing = routing });
    }

    private static SplitTunnelRouting Routing(FakeKernelTable kernel, SplitTunnelPolicy policy, DnsForwarderOptions? dns = null, bool takeOver = false) =>
        new(new SplitTunnelRoutingOptions { Policy = policy, RouteApplier = context => kernel.Open(context.InterfaceName), DnsForwarder = dns, TakeOverBlockedRoutes = takeOver });

    private static Task<TunnelConnection> OpenAsync(TunnelConnectionOptions options) =>
        TunnelConnection.OpenAsync(Conf(), options, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Opening_InstallsThePolicysRoutes_NotTheAllowedIps_AndMarksTheSocketBeforeTheRules()
    {
        var kernel = new FakeKernelTable();
        var routing = Routing(kernel, new SplitTunnelPolicy(SplitTunnelMode.Exclude, [.. SplitTunnelRule.LinkLocalAndMulticast, SplitTunnelRule.Parse("198.51.100.0/24")]));
        var (platform, options) = Fake(routing);
        var connection = await OpenAsync(options);

        Assert.Equal([new InterfaceAddress(IPAddress.Parse("10.9.0.2"), 24)], platform.Applied!.Addresses);
        Assert.Empty(platform.Applied.Routes); // the allowed IPs' default route is the policy's business now
        Assert.Empty(platform.Applied.PolicyRules);
        Assert.Equal("tunnel", kernel.Routes[IPNetwork.Parse("0.0.0.0/0")]);
        Assert.Equal("direct", kernel.Routes[IPNetwork.Parse("198.51.100.0/24")]);
        Assert.Equal("direct", kernel.Routes[Gateway]); // the peer's endpoint never loops into the tunnel
        Assert.Equal(Gateway, Assert.Single(routing.SystemRules).Prefix);
        Assert.True(kernel.Rules);
        Assert.Equal(FakeKernelTable.Mark, connection.FirewallMark);
        Assert.Equal(FakeKernelTable.Mark, connection.Host.GetStatus().FirewallMark);

        // No forwarder: the configuration's DNS goes to the system resolver, as without a routing.
        Assert.Equal([IPAddress.Parse("10.9.0.1")], platform.Resolver!.Nameservers);
        Assert.Equal(["corp.test"], platform.Resolver.SearchDomains);

        await connection.DisposeAsync();
        Assert.Empty(kernel.Routes);
        Assert.False(kernel.Rules);
        Assert.Equal("closed, removed", kernel.Journal[^1]);
        Assert.True(platform.Journal.IndexOf("resolver restored") < platform.Journal.IndexOf("interface undone"));
    }

    [Fact]
    public async Task AForwarder_TakesTheResolversPlace_AndLearnsOnlyAfterTheRoutesAreIn()
    {
        var kernel = new FakeKernelTable();
        var dns = new DnsForwarderOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        dns.Upstreams.Add(new IPEndPoint(IPAddress.Parse("10.9.0.1"), 53));
        var routing = Routing(kernel, Include("*.corp.test", "10.20.0.0/16"), dns);
        var (platform, options) = Fake(routing);
        await using (var connection = await OpenAsync(options))
        {
            Assert.True(routing.ConfiguresResolver);
            Assert.Null(platform.Resolver); // the configuration's DNS is the forwarder's upstream, not the system's
            Assert.DoesNotContain(platform.Journal, step => step.StartsWith("resolver", StringComparison.Ordinal));
            Assert.False(routing.ResolverConfigured); // not on port 53: clients ask the forwarder directly
            Assert.NotNull(routing.Forwarder!.LocalEndPoint);
            Assert.NotEqual(0, routing.Forwarder.LocalEndPoint!.Port);
            Assert.Equal("tunnel", kernel.Routes[IPNetwork.Parse("10.20.0.0/16")]);
        }

        Assert.Empty(kernel.Routes);
    }

    [Fact]
    public async Task SetPolicyAsync_AppliesTheDifferenceLive()
    {
        var kernel = new FakeKernelTable();
        var routing = Routing(kernel, Include("10.20.0.0/16", "10.30.0.0/16"));
        var (_, options) = Fake(routing);
        await using var connection = await OpenAsync(options);

        var change = await routing.SetPolicyAsync(Include("10.30.0.0/16", "10.40.0.0/16"), TestContext.Current.CancellationToken);

        Assert.Equal([IPNetwork.Parse("10.40.0.0/16")], change.Added.Select(route => route.Destination));
        Assert.Equal([IPNetwork.Parse("10.20.0.0/16")], change.Removed.Select(route => route.Destination));
        Assert.False(kernel.Routes.ContainsKey(IPNetwork.Parse("10.20.0.0/16")));
        Assert.Equal("tunnel", kernel.Routes[IPNetwork.Parse("10.40.0.0/16")]);
        Assert.Equal("10.40.0.0/16", routing.Policy.Rules[^1].ToString());
    }

    [Fact]
    public async Task FailClosed_LeavesRefusingRoutes_AndAReconnectTakesThemOver()
    {
        var kernel = new FakeKernelTable();
        var dead = Routing(kernel, Include("10.20.0.0/16", "10.30.0.0/16"));
        var (_, options) = Fake(dead);
        var connection = await OpenAsync(options);

        Assert.Equal(2, dead.FailClosed());
        await connection.DisposeAsync();
        Assert.Equal("blocked", kernel.Routes[IPNetwork.Parse("10.20.0.0/16")]);
        Assert.Equal("blocked", kernel.Routes[IPNetwork.Parse("10.30.0.0/16")]);
        Assert.True(kernel.Rules);
        Assert.Equal(0, dead.FailClosed()); // once is enough

        kernel.Journal.Clear();
        var next = Routing(kernel, Include("10.20.0.0/16"), takeOver: true);
        var (_, nextOptions) = Fake(next);
        await using (var reconnected = await OpenAsync(nextOptions))
        {
            // The new routes replace the refusing ones first; only then does what no policy routes any more go.
            Assert.StartsWith("apply", kernel.Journal[0], StringComparison.Ordinal);
            Assert.Equal("stale 1", kernel.Journal[1]);
            Assert.Equal("tunnel", kernel.Routes[IPNetwork.Parse("10.20.0.0/16")]);
            Assert.False(kernel.Routes.ContainsKey(IPNetwork.Parse("10.30.0.0/16")));
        }

        Assert.Empty(kernel.Routes);
        Assert.False(kernel.Rules);
    }

    [Fact]
    public async Task AReconnectThatFails_KeepsTrafficRefused()
    {
        var kernel = new FakeKernelTable();
        var dead = Routing(kernel, Include("10.20.0.0/16", "10.30.0.0/16"));
        var (_, options) = Fake(dead);
        var connection = await OpenAsync(options);
        dead.FailClosed();
        await connection.DisposeAsync();

        // Fails before any route: the dead connection's refusing routes and rules stay as they were.
        var early = Routing(kernel, Include("10.20.0.0/16"), takeOver: true);
        var (platform, earlyOptions) = Fake(early);
        platform.FailAt = "apply";
        await Assert.ThrowsAsync<IOException>(() => OpenAsync(earlyOptions));
        Assert.Equal("blocked", kernel.Routes[IPNetwork.Parse("10.20.0.0/16")]);
        Assert.Equal("blocked", kernel.Routes[IPNetwork.Parse("10.30.0.0/16")]);
        Assert.True(kernel.Rules);

        // Fails after its routes replaced them (the forwarder's port is taken): they are turned back into refusing ones.
        using var taken = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var late = Routing(kernel, Include("10.20.0.0/16"), new DnsForwarderOptions { ListenEndPoint = (IPEndPoint)taken.Client.LocalEndPoint! }, takeOver: true);
        var (_, lateOptions) = Fake(late);
        await Assert.ThrowsAsync<SocketException>(() => OpenAsync(lateOptions));
        Assert.Equal("blocked", kernel.Routes[IPNetwork.Parse("10.20.0.0/16")]);
        Assert.DoesNotContain("tunnel", kernel.Routes.Values);
        Assert.True(kernel.Rules);
    }

    [Fact]
    public async Task AFreshOpeningThatFails_LeavesNothing_AndClearsWhatADeadRunLeft()
    {
        var kernel = new FakeKernelTable { Rules = true };
        kernel.Routes[IPNetwork.Parse("10.99.0.0/16")] = "blocked";
        using var taken = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var routing = Routing(kernel, Include("10.20.0.0/16"), new DnsForwarderOptions { ListenEndPoint = (IPEndPoint)taken.Client.LocalEndPoint! });
        var (platform, options) = Fake(routing);

        await Assert.ThrowsAsync<SocketException>(() => OpenAsync(options));

        Assert.Equal("stale 2", kernel.Journal[0]); // before the first route
        Assert.Empty(kernel.Routes);
        Assert.False(kernel.Rules);
        Assert.Contains("interface undone", platform.Journal);
        Assert.Contains("tun wg0 closed", platform.Journal);
    }

    [Fact]
    public async Task ARouting_ServesOneConnection()
    {
        var kernel = new FakeKernelTable();
        var routing = Routing(kernel, Include("10.20.0.0/16"));
        var (_, options) = Fake(routing);
        await using var connection = await OpenAsync(options);

        var (second, secondOptions) = Fake(routing);
        await Assert.ThrowsAsync<InvalidOperationException>(() => OpenAsync(secondOptions with { InterfaceName = "wg1" }));
        Assert.Contains("tun wg1 closed", second.Journal);
        Assert.Equal("tunnel", kernel.Routes[IPNetwork.Parse("10.20.0.0/16")]); // the first connection's routes are untouched
    }
}
