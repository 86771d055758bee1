using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Tunnel.Dns;
using Tunnel.Platform.Linux.Internal;
using Tunnel.Routing;
using Tunnel.SplitTunnel.Tests.Drivers;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>
/// The split-tunnel router end to end against the kernel: the DNS forwarder on a real socket, the DNS server
/// it asks in a network namespace of its own (reached over a veth pair), and the learned routes programmed
/// over rtnetlink into the tunnel's table in a third namespace, where <c>ip route</c> shows them after the
/// answer and no longer after their TTL.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SplitTunnelKernelTests
{
    [Fact]
    public async Task AnAnswerForAnIncludedDomain_PutsItsAddressesInTheKernelTable_UntilTheyExpire()
    {
        Requirements.RootAndTun();
        using var lab = NamespaceLab.Create();
        using var dns = DnsNamespace.Create();
        await using var server = NetworkNamespace.Run(dns.Name, () => new TestDnsServer(DnsNamespace.ServerAddress));
        server.Addresses["app.corp.test"] = [IPAddress.Parse("10.20.30.40"), IPAddress.Parse("fd00:20::40")];
        server.Addresses["www.other.test"] = [IPAddress.Parse("10.20.30.99")];
        server.TimeToLive = 2;

        lab.Table.SetLinkUp();
        var policy = new SplitTunnelPolicy(SplitTunnelMode.Include, [.. SplitTunnelRule.LinkLocalAndMulticast, SplitTunnelRule.Parse("*.corp.test")]);
        var options = new LearnedRouteOptions { MinimumTimeToLive = TimeSpan.Zero, GracePeriod = TimeSpan.FromMilliseconds(500) };
        var applier = new LinuxRouteApplier(lab.Table);
        await using var controller = new SplitTunnelController(new SplitTunnelRouter(policy, options), applier);
        await controller.StartAsync(TestContext.Current.CancellationToken);
        var forwarderOptions = new DnsForwarderOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        forwarderOptions.Upstreams.Add(server.EndPoint);
        await using var forwarder = new DnsForwarder(forwarderOptions, controller);
        await forwarder.StartAsync(TestContext.Current.CancellationToken);

        await QueryAsync(forwarder.LocalEndPoint!, "app.corp.test", type: 1);
        await QueryAsync(forwarder.LocalEndPoint!, "app.corp.test", type: 28);
        await QueryAsync(forwarder.LocalEndPoint!, "www.other.test", type: 1);

        // Installed before the answers were released: no waiting here.
        string v4 = lab.Ip("-4", "route", "show", "table", "52820");
        string v6 = lab.Ip("-6", "route", "show", "table", "52820");
        Assert.Contains("10.20.30.40 dev tun0", v4, StringComparison.Ordinal);
        Assert.Contains("fd00:20::40 dev tun0", v6, StringComparison.Ordinal);
        Assert.DoesNotContain("10.20.30.99", v4, StringComparison.Ordinal);
        Assert.Contains("dev tun0 table 52820", lab.Ip("-4", "route", "get", "10.20.30.40"), StringComparison.Ordinal);
        Assert.Contains("lookup 52820", lab.Ip("-4", "rule", "show"), StringComparison.Ordinal);

        // TTL 2 s and 0.5 s of grace: gone from the kernel within a few seconds, with nobody asking.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        bool Installed() =>
            lab.Ip("-4", "route", "show", "table", "52820").Contains("10.20.30.40", StringComparison.Ordinal)
            || lab.Ip("-6", "route", "show", "table", "52820").Contains("fd00:20::40", StringComparison.Ordinal);
        while (Installed() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.DoesNotContain("10.20.30.40", lab.Ip("-4", "route", "show", "table", "52820"), StringComparison.Ordinal);
        Assert.DoesNotContain("fd00:20::40", lab.Ip("-6", "route", "show", "table", "52820"), StringComparison.Ordinal);
        Assert.Equal(2, controller.Router.Statistics.AddressesExpired);
        Assert.Equal(0, controller.ApplyFailures);

        await controller.StopAsync(TestContext.Current.CancellationToken);
        Assert.Empty(lab.Table.InstalledRoutes);
    }

    private static async Task QueryAsync(IPEndPoint forwarder, string name, ushort type)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(forwarder, timeout.Token);
        await client.SendAsync(TestDnsServer.Query(name, type: type), SocketFlags.None, timeout.Token);
        byte[] answer = new byte[4096];
        int length = await client.ReceiveAsync(answer, SocketFlags.None, timeout.Token);
        Assert.True(length > 12);
        Assert.Equal(0, answer[3] & 0x0F);
    }

    /// <summary>A namespace for the DNS server, joined to this one by a veth pair on 198.18.53.0/30.</summary>
    private sealed class DnsNamespace : IDisposable
    {
        public static readonly IPAddress ServerAddress = IPAddress.Parse("198.18.53.2");

        private DnsNamespace(string name, string link)
        {
            Name = name;
            Link = link;
        }

        public string Name { get; }

        private string Link { get; }

        public static DnsNamespace Create()
        {
            string suffix = $"{Random.Shared.Next():x6}"[..6];
            var ns = new DnsNamespace($"tunnel-dns-{suffix}", $"tdns{suffix}");
            Requirements.Run("ip", "netns", "add", ns.Name);
            try
            {
                Requirements.Run("ip", "link", "add", ns.Link, "type", "veth", "peer", "name", "eth0", "netns", ns.Name);
                Requirements.Run("ip", "address", "add", "198.18.53.1/30", "dev", ns.Link);
                Requirements.Run("ip", "link", "set", ns.Link, "up");
                Requirements.Run("ip", "-n", ns.Name, "address", "add", "198.18.53.2/30", "dev", "eth0");
                Requirements.Run("ip", "-n", ns.Name, "link", "set", "eth0", "up");
                Requirements.Run("ip", "-n", ns.Name, "link", "set", "lo", "up");
                return ns;
            }
            catch
            {
                ns.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            // Deleting the namespace deletes its end of the pair, and with it this end.
            Requirements.Run("ip", "netns", "delete", Name);
        }
    }
}
