using Tunnel.Configuration;
using Tunnel.Interop.Tests.Infrastructure;
using Tunnel.Platform.Linux;
using Tunnel.Routing;

namespace Tunnel.Interop.Tests;

public sealed partial class ConnectionInteropTests
{
    [Fact]
    public async Task ASplitTunnelRouting_RoutesByPolicy_FailsClosed_IsTakenOver_AndLeavesTheNamespaceAsItWas()
    {
        using var lab = new Lab();
        string ns = lab.Namespace(1);
        (Peer theirs, string ourKey) = StartTheirs(lab);
        string name = $"wg{Environment.ProcessId % 1000}s";
        string text = $"""
            [Interface]
            PrivateKey = {ourKey}
            ListenPort = 51820
            Address = 10.200.0.1/24, fd00:200::1/64

            [Peer]
            PublicKey = {theirs.PublicKey}
            Endpoint = 192.0.2.2:51820
            AllowedIPs = 0.0.0.0/0, ::/0
            """;
        var policy = new SplitTunnelPolicy(SplitTunnelMode.Exclude, [.. SplitTunnelRule.LinkLocalAndMulticast, SplitTunnelRule.Parse("198.51.100.0/24", "stays local")]);
        var platform = new LinuxTunnelPlatform { NetworkNamespace = ns };
        SplitTunnelRouting Routing(bool takeOver) => new(new SplitTunnelRoutingOptions { Policy = policy, TakeOverBlockedRoutes = takeOver });
        Task<TunnelConnection> OpenAsync(SplitTunnelRouting routing) =>
            TunnelConnection.OpenAsync(WireGuardConfiguration.Parse(text), new TunnelConnectionOptions { InterfaceName = name, Platform = platform, Routing = routing }, TestContext.Current.CancellationToken);

        WaitForSettledAddresses(lab);
        string before = Snapshot(lab);
        try
        {
            var first = Routing(takeOver: false);
            var connection = await OpenAsync(first);
            try
            {
                Assert.Equal(LinuxRouteTableOptions.DefaultTableId, connection.FirewallMark);
                Assert.Contains($"dev {name}", Decide(lab, "8.8.8.8"), StringComparison.Ordinal);          // the default: the tunnel
                Assert.Contains($"dev {name}", Decide(lab, "2001:4860::8888"), StringComparison.Ordinal);
                Assert.Contains($"dev {lab.Veth(1)}", Decide(lab, "198.51.100.7"), StringComparison.Ordinal); // the entry: direct
                Assert.Contains($"dev {lab.Veth(1)}", Decide(lab, "192.0.2.2"), StringComparison.Ordinal);    // the gateway: direct
                Assert.True(lab.Ping(1, "10.200.0.2"), "no IPv4 traffic through the connection");
                Assert.True(lab.Ping(1, "fd00:200::2"), "no IPv6 traffic through the connection");
            }
            finally
            {
                // The engine died, say: the tunnel's routes refuse traffic, and outlive the connection.
                Assert.True(first.FailClosed() >= 2);
                await connection.DisposeAsync();
            }

            Lab.WaitUntil(() => !lab.TryExec(1, "ip", "link", "show", name).Succeeded, $"{name} was not deleted");
            Assert.Contains("Permission denied", Decide(lab, "8.8.8.8"), StringComparison.Ordinal);
            Assert.Contains("Permission denied", Decide(lab, "2001:4860::8888"), StringComparison.Ordinal);
            Assert.Contains($"dev {lab.Veth(1)}", Decide(lab, "198.51.100.7"), StringComparison.Ordinal);

            // A reconnect takes the refusing routes over, and closing it leaves nothing of either.
            await using (var reconnected = await OpenAsync(Routing(takeOver: true)))
            {
                Assert.Contains($"dev {name}", Decide(lab, "8.8.8.8"), StringComparison.Ordinal);
                Assert.True(lab.Ping(1, "10.200.0.2"), "no traffic after the reconnect");
            }

            Lab.WaitUntil(() => !lab.TryExec(1, "ip", "link", "show", name).Succeeded, $"{name} was not deleted");
            Assert.Equal(before, Snapshot(lab));
        }
        finally
        {
            Command.Try("ip", ["-n", ns, "link", "delete", name]);
        }
    }
}
