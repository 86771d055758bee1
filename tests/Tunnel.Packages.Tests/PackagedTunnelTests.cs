using System.Diagnostics;
using System.Net;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;
using Tunnel.Platform.Linux;
using Tunnel.Testing;

namespace Tunnel.Packages.Tests;

/// <summary>What a user of the packages does first: a tunnel in memory, and a <c>.conf</c> brought up in a namespace.</summary>
public sealed class PackagedTunnelTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static PrivateKey NewKey(int seed)
    {
        var bytes = new byte[32];
        new DeterministicEntropy(seed).Fill(bytes);
        return PrivateKey.Create(bytes);
    }

    [Fact]
    public async Task TwoPeersInMemory_CarryAPacketEachWay()
    {
        PrivateKey keyA = NewKey(1), keyB = NewKey(2);
        var network = new InMemoryNetwork();
        var tunA = new InMemoryTunDevice("pkg-a");
        var tunB = new InMemoryTunDevice("pkg-b");
        await using var b = new TunnelHost(
            new TunnelOptions { PrivateKey = keyB, ListenPort = 51820, Peers = [new TunnelPeerOptions { PublicKey = keyA.GetPublicKey(), AllowedIps = [IPNetwork.Parse("10.0.0.1/32")] }] },
            tunB,
            network.CreateSocketFactory(IPAddress.Parse("192.0.2.2")));
        b.Start();
        await using var a = new TunnelHost(
            new TunnelOptions
            {
                PrivateKey = keyA,
                Peers = [new TunnelPeerOptions { PublicKey = keyB.GetPublicKey(), Endpoint = IPEndPoint.Parse("192.0.2.2:51820"), AllowedIps = [IPNetwork.Parse("10.0.0.2/32")] }],
            },
            tunA,
            network.CreateSocketFactory(IPAddress.Parse("192.0.2.1")));
        a.Start();

        byte[] there = PacketBuilder.IPv4(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), [1, 2, 3]);
        byte[] back = PacketBuilder.IPv4(IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1"), [4, 5, 6]);
        var received = new byte[2048];
        Assert.True(tunA.TryInject(there, Timeout));
        Assert.True(tunB.TryTake(received, out int length, Timeout), "A's packet did not reach B");
        Assert.Equal(there, received[..length]);
        Assert.True(tunB.TryInject(back, Timeout));
        Assert.True(tunA.TryTake(received, out length, Timeout), "B's packet did not reach A");
        Assert.Equal(back, received[..length]);
        Assert.NotNull(Assert.Single(a.GetPeers()).LastHandshake);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task AConfigurationFile_ComesUpInANamespace_AndGoesAwayWhole()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/dev/net/tun") || Environment.UserName != "root")
        {
            const string Reason = "A connection needs Linux, root and /dev/net/tun.";
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
            {
                Assert.Fail(Reason + " CI must provide them.");
            }

            Assert.Skip(Reason);
        }

        string ns = $"tunnel-pkg-{Environment.ProcessId}";
        Ip("netns", "add", ns);
        try
        {
            Ip("-n", ns, "link", "set", "lo", "up");
            var configuration = WireGuardConfiguration.Parse($"""
                [Interface]
                PrivateKey = {NewKey(3).ToBase64String()}
                Address = 10.201.0.1/24
                MTU = 1400

                [Peer]
                PublicKey = {NewKey(4).GetPublicKey().ToBase64String()}
                AllowedIPs = 10.201.0.0/24, 172.20.0.0/16
                """);
            var platform = new LinuxTunnelPlatform { NetworkNamespace = ns };
            await using (var connection = await TunnelConnection.OpenAsync(configuration, new TunnelConnectionOptions { InterfaceName = "pkg0", Platform = platform }, TestContext.Current.CancellationToken))
            {
                string routes = Ip("-n", ns, "route", "show");
                Assert.Contains("172.20.0.0/16 dev pkg0", routes, StringComparison.Ordinal);
                Assert.Contains("mtu 1400", Ip("-n", ns, "link", "show", "pkg0"), StringComparison.Ordinal);
                Assert.Equal(0u, connection.FirewallMark);
            }

            Assert.DoesNotContain("pkg0", Ip("-n", ns, "link", "show"), StringComparison.Ordinal);
            Assert.DoesNotContain("172.20.0.0", Ip("-n", ns, "route", "show", "table", "all"), StringComparison.Ordinal);
        }
        finally
        {
            Ip("netns", "delete", ns);
        }
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task ASplitTunnelConnection_RoutesByPolicyInATableOfItsOwn_AndGoesAwayWhole()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/dev/net/tun") || Environment.UserName != "root")
        {
            const string Reason = "A connection needs Linux, root and /dev/net/tun.";
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
            {
                Assert.Fail(Reason + " CI must provide them.");
            }

            Assert.Skip(Reason);
        }

        string ns = $"tunnel-pkg-split-{Environment.ProcessId}";
        Ip("netns", "add", ns);
        try
        {
            Ip("-n", ns, "link", "set", "lo", "up");
            var configuration = WireGuardConfiguration.Parse($"""
                [Interface]
                PrivateKey = {NewKey(5).ToBase64String()}
                Address = 10.202.0.1/24

                [Peer]
                PublicKey = {NewKey(6).GetPublicKey().ToBase64String()}
                AllowedIPs = 0.0.0.0/0
                """);
            var routing = new Tunnel.Routing.SplitTunnelRouting(new Tunnel.Routing.SplitTunnelRoutingOptions
            {
                Policy = new Tunnel.Routing.SplitTunnelPolicy(Tunnel.Routing.SplitTunnelMode.Include, [Tunnel.Routing.SplitTunnelRule.Parse("172.21.0.0/16")]),
            });
            var options = new TunnelConnectionOptions { InterfaceName = "pkg1", Platform = new LinuxTunnelPlatform { NetworkNamespace = ns }, Routing = routing };
            await using (var connection = await TunnelConnection.OpenAsync(configuration, options, TestContext.Current.CancellationToken))
            {
                Assert.Contains("172.21.0.0/16 dev pkg1", Ip("-n", ns, "route", "show", "table", "52820"), StringComparison.Ordinal);
                Assert.Contains("lookup 52820", Ip("-n", ns, "rule", "show"), StringComparison.Ordinal);
                Assert.DoesNotContain("0.0.0.0/0", Ip("-n", ns, "route", "show", "table", "all"), StringComparison.Ordinal); // not the allowed IPs
                Assert.Equal(52820u, connection.FirewallMark);
            }

            Assert.DoesNotContain("172.21.0.0", Ip("-n", ns, "route", "show", "table", "all"), StringComparison.Ordinal);
            Assert.DoesNotContain("52820", Ip("-n", ns, "rule", "show"), StringComparison.Ordinal);
        }
        finally
        {
            Ip("netns", "delete", ns);
        }
    }

    private static string Ip(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ip {string.Join(' ', arguments)}: {error}");
        return output;
    }
}
