using System.Text.RegularExpressions;
using Tunnel.Configuration;
using Tunnel.Interop.Tests.Infrastructure;
using Tunnel.Platform.Linux;

namespace Tunnel.Interop.Tests;

/// <summary>
/// <see cref="TunnelConnection"/> in a network namespace: the same <c>.conf</c> brought up by wg-quick (with
/// our daemon) and by the library call routes every destination the same way, carries traffic to
/// wireguard-go, and leaves addresses, routes, rules and the resolver file as they were once closed.
/// </summary>
public sealed partial class ConnectionInteropTests
{
    /// <summary>Destinations whose routing decision is compared: the tunnel's peer, its subnets, the underlay, the internet.</summary>
    private static readonly string[] Destinations =
    [
        "10.200.0.2", "10.200.0.77", "172.16.5.5", "192.0.2.2", "192.0.2.77", "8.8.8.8",
        "fd00:200::2", "fd00:201::9", "fd00:192::2", "2001:4860::8888",
    ];

    public static TheoryData<string> Cases => ["full", "subnets", "dns"];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AConnection_RoutesAsWgQuickDoes_CarriesTraffic_AndLeavesTheNamespaceAsItWas(string kind)
    {
        Requirements.CheckProgram("nft", "nftables"); // wg-quick's full tunnel programs nft
        using var lab = new Lab();
        string ns = lab.Namespace(1);
        (Peer theirs, string ourKey) = StartTheirs(lab);

        string name = theirs.Interface[..^1] + "c";
        string allowed = kind == "full" ? "0.0.0.0/0, ::/0" : "10.200.0.0/24, fd00:200::/64, 172.16.0.0/12, fd00:201::/64";
        string text = $"""
            [Interface]
            PrivateKey = {ourKey}
            ListenPort = 51820
            Address = 10.200.0.1/24, fd00:200::1/64
            {(kind == "dns" ? "DNS = 10.200.0.53, corp.example" : string.Empty)}

            [Peer]
            PublicKey = {theirs.PublicKey}
            Endpoint = 192.0.2.2:51820
            AllowedIPs = {allowed}
            """;

        string directory = Directory.CreateTempSubdirectory("tunnel-connection-").FullName;
        try
        {
            WaitForSettledAddresses(lab);
            IReadOnlyList<string> theirDecisions = WgQuickDecisions(lab, directory, name, text);

            string resolvConf = Path.Combine(directory, "resolv.conf");
            const string OriginalResolvConf = "# the host's own\nnameserver 192.0.2.53\n";
            File.WriteAllText(resolvConf, OriginalResolvConf);
            WaitForSettledAddresses(lab);
            string before = Snapshot(lab);

            var platform = new LinuxTunnelPlatform
            {
                NetworkNamespace = ns,
                UseSystemdResolved = false,
                ResolvConf = new LinuxResolvConfOptions { Path = resolvConf, StatePath = Path.Combine(directory, "state", "resolv.conf.saved") },
            };
            var connection = await TunnelConnection.OpenAsync(WireGuardConfiguration.Parse(text), new TunnelConnectionOptions { InterfaceName = name, Platform = platform }, TestContext.Current.CancellationToken);
            try
            {
                Assert.Equal(theirDecisions, Decisions(lab, kind == "full" ? connection.FirewallMark : 0));
                Assert.True(lab.Ping(1, "10.200.0.2"), "no IPv4 traffic through the connection");
                Assert.True(lab.Ping(1, "fd00:200::2"), "no IPv6 traffic through the connection");
                if (kind == "dns")
                {
                    string configured = File.ReadAllText(resolvConf);
                    Assert.Contains("nameserver 10.200.0.53", configured, StringComparison.Ordinal);
                    Assert.Contains("search corp.example", configured, StringComparison.Ordinal);
                    Assert.DoesNotContain("192.0.2.53", configured, StringComparison.Ordinal);
                }
            }
            finally
            {
                await connection.DisposeAsync();
            }

            Lab.WaitUntil(() => !lab.TryExec(1, "ip", "link", "show", name).Succeeded, $"{name} was not deleted");
            Assert.Equal(before, Snapshot(lab));
            Assert.Equal(OriginalResolvConf, File.ReadAllText(resolvConf));
        }
        finally
        {
            Command.Try("ip", ["-n", ns, "link", "delete", name]);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ARouteThatExists_FailsTheOpening_AndLeavesNothing()
    {
        using var lab = new Lab();
        string ns = lab.Namespace(1);
        lab.Exec(1, "ip", "route", "add", "172.16.0.0/12", "via", "192.0.2.2"); // someone else's route at the same prefix
        string ourKey = File.ReadAllText(lab.NewKeyFile()).Trim();
        string theirPublic = Command.Run("sh", "-c", $"wg genkey | wg pubkey").Trim();
        WaitForSettledAddresses(lab);
        string before = Snapshot(lab);

        var configuration = WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {ourKey}
            Address = 10.200.0.1/24

            [Peer]
            PublicKey = {theirPublic}
            AllowedIPs = 10.201.0.0/24, 172.16.0.0/12
            """);
        var options = new TunnelConnectionOptions { InterfaceName = $"wg{Environment.ProcessId % 1000}x", Platform = new LinuxTunnelPlatform { NetworkNamespace = ns } };
        var error = await Assert.ThrowsAsync<LinuxNetlinkException>(() => TunnelConnection.OpenAsync(configuration, options, TestContext.Current.CancellationToken));
        Assert.Contains("172.16.0.0/12", error.Message, StringComparison.Ordinal);

        Lab.WaitUntil(() => !lab.TryExec(1, "ip", "link", "show", options.InterfaceName).Succeeded, "the interface was not deleted");
        Assert.Equal(before, Snapshot(lab));
        Assert.Contains("172.16.0.0/12 via 192.0.2.2", lab.Exec(1, "ip", "route", "show"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInterfaceDeletedUnderTheConnection_FaultsTheHost_AndClosingStillLeavesNothing()
    {
        using var lab = new Lab();
        string ns = lab.Namespace(1);
        lab.Exec(1, "ip", "route", "add", "default", "via", "192.0.2.2");
        WaitForSettledAddresses(lab);
        string before = Snapshot(lab);
        string name = $"wg{Environment.ProcessId % 1000}d";
        var configuration = WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {File.ReadAllText(lab.NewKeyFile()).Trim()}
            Address = 10.200.0.1/24

            [Peer]
            PublicKey = {Command.Run("sh", "-c", "wg genkey | wg pubkey").Trim()}
            Endpoint = 192.0.2.2:51820
            AllowedIPs = 0.0.0.0/0, 172.16.0.0/12
            """);
        var connection = await TunnelConnection.OpenAsync(configuration, new TunnelConnectionOptions { InterfaceName = name, Platform = new LinuxTunnelPlatform { NetworkNamespace = ns } }, TestContext.Current.CancellationToken);
        try
        {
            lab.Exec(1, "ip", "link", "delete", name);
            await Assert.ThrowsAnyAsync<Exception>(() => connection.Host.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

            // Fail closed meanwhile: the prohibit routes outlive the interface, so a lookup for anything meant for the
            // tunnel is refused (EACCES, "Permission denied") instead of leaving directly by the default route.
            Assert.Contains("Permission denied", Decide(lab, "8.8.8.8"), StringComparison.Ordinal);
            Assert.Contains("Permission denied", Decide(lab, "172.16.1.1"), StringComparison.Ordinal);
            Assert.Contains("dev " + lab.Veth(1), Decide(lab, "192.0.2.77"), StringComparison.Ordinal); // the local network still works
        }
        finally
        {
            await connection.DisposeAsync();
        }

        Assert.Equal(before, Snapshot(lab));
    }

    [Fact]
    public async Task BesideAWgQuickFullTunnel_AConnectionTakesTheNextTable_AndClosingLeavesWgQuicksRoutesAndRules()
    {
        Requirements.CheckProgram("nft", "nftables");
        using var lab = new Lab();
        string ns = lab.Namespace(1);
        lab.Exec(1, "ip", "route", "add", "default", "via", "192.0.2.2");
        lab.Exec(1, "ip", "-6", "route", "add", "default", "via", "fd00:192::2");
        string directory = Directory.CreateTempSubdirectory("tunnel-beside-").FullName;
        string theirs = $"wg{Environment.ProcessId % 1000}q", ours = $"wg{Environment.ProcessId % 1000}o";
        string Conf(string address) => $"""
            [Interface]
            PrivateKey = {File.ReadAllText(lab.NewKeyFile()).Trim()}
            Address = {address}

            [Peer]
            PublicKey = {Command.Run("sh", "-c", "wg genkey | wg pubkey").Trim()}
            Endpoint = 192.0.2.2:51820
            AllowedIPs = 0.0.0.0/0
            """;
        string config = Path.Combine(directory, theirs + ".conf");
        File.WriteAllText(config, Conf("10.210.0.1/24"));
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var environment = new Dictionary<string, string> { ["WG_QUICK_USERSPACE_IMPLEMENTATION"] = Lab.AgentPath, ["WG_PROCESS_FOREGROUND"] = "0" };
        Command.Result up = Command.Try("ip", ["netns", "exec", ns, "wg-quick", "up", config], TimeSpan.FromSeconds(60), environment);
        try
        {
            Assert.True(up.Succeeded, $"wg-quick up failed: {up.Error}");
            WaitForSettledAddresses(lab);
            string before = Snapshot(lab);

            var connection = await TunnelConnection.OpenAsync(WireGuardConfiguration.Parse(Conf("10.211.0.1/24")), new TunnelConnectionOptions { InterfaceName = ours, Platform = new LinuxTunnelPlatform { NetworkNamespace = ns } }, TestContext.Current.CancellationToken);
            try
            {
                Assert.Equal(51821u, connection.FirewallMark); // wg-quick holds 51820
                Assert.Contains("51820", lab.Exec(1, "ip", "rule", "show"), StringComparison.Ordinal);
            }
            finally
            {
                await connection.DisposeAsync();
            }

            Lab.WaitUntil(() => !lab.TryExec(1, "ip", "link", "show", ours).Succeeded, $"{ours} was not deleted");
            Assert.Equal(before, Snapshot(lab));
        }
        finally
        {
            Command.Try("ip", ["netns", "exec", ns, "wg-quick", "down", config], TimeSpan.FromSeconds(60), environment);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Gives namespace 1 default routes over the underlay and starts wireguard-go in namespace 2 at 192.0.2.2:51820,
    /// with our side (a new key, 192.0.2.1:51820) as its peer for 10.200.0.1 and fd00:200::1.
    /// </summary>
    private static (Peer Theirs, string OurKey) StartTheirs(Lab lab)
    {
        lab.Exec(1, "ip", "route", "add", "default", "via", "192.0.2.2");
        lab.Exec(1, "ip", "-6", "route", "add", "default", "via", "fd00:192::2");
        Peer theirs = lab.Start(2, Implementation.WireGuardGo);
        string ourKey = File.ReadAllText(lab.NewKeyFile()).Trim();
        string ourPublic = Command.Run("sh", "-c", $"echo {ourKey} | wg pubkey").Trim();
        theirs.Set("private-key", theirs.PrivateKeyFile, "listen-port", "51820", "peer", ourPublic, "endpoint", "192.0.2.1:51820", "allowed-ips", "10.200.0.1/32,fd00:200::1/128");
        theirs.Up();
        return (theirs, ourKey);
    }

    /// <summary>Brings the configuration (without its DNS line, which would reach the host's resolvconf) up with wg-quick and our daemon, and takes the decisions.</summary>
    private static List<string> WgQuickDecisions(Lab lab, string directory, string name, string text)
    {
        string config = Path.Combine(directory, name + ".conf");
        File.WriteAllText(config, string.Join('\n', text.Split('\n').Where(line => !line.TrimStart().StartsWith("DNS", StringComparison.Ordinal))));
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var environment = new Dictionary<string, string> { ["WG_QUICK_USERSPACE_IMPLEMENTATION"] = Lab.AgentPath, ["WG_PROCESS_FOREGROUND"] = "0" };
        Command.Result up = Command.Try("ip", ["netns", "exec", lab.Namespace(1), "wg-quick", "up", config], TimeSpan.FromSeconds(60), environment);
        try
        {
            Assert.True(up.Succeeded, $"wg-quick up failed: {up.Error}");
            string mark = lab.Exec(1, "wg", "show", name, "fwmark").Trim();
            return Decisions(lab, mark == "off" ? 0 : Convert.ToUInt32(mark, 16));
        }
        finally
        {
            Command.Result down = Command.Try("ip", ["netns", "exec", lab.Namespace(1), "wg-quick", "down", config], TimeSpan.FromSeconds(60), environment);
            Assert.True(down.Succeeded, $"wg-quick down failed: {down.Error}");
            Lab.WaitUntil(() => !lab.TryExec(1, "ip", "link", "show", name).Succeeded, $"wg-quick did not delete {name}");
        }
    }

    /// <summary><c>ip route get</c> for every destination (and, with a mark, for the peer's endpoint as the tunnel's own datagrams see it).</summary>
    private static List<string> Decisions(Lab lab, uint mark)
    {
        var decisions = new List<string>();
        foreach (string destination in Destinations)
        {
            decisions.Add(Decide(lab, destination));
        }

        if (mark != 0)
        {
            decisions.Add(Decide(lab, "192.0.2.2", "mark", mark.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return decisions;
    }

    private static string Decide(Lab lab, string destination, params string[] extra)
    {
        Command.Result result = lab.TryExec(1, "ip", ["route", "get", destination, .. extra]);
        string first = (result.Succeeded ? result.Output : "error: " + result.Error).Split('\n')[0];
        // The protocol only says whose route it is (ours carry 116, wg-quick's "boot"), not where it goes.
        return Whitespace().Replace(Protocol().Replace(Uid().Replace(first, string.Empty), string.Empty), " ").Trim();
    }

    /// <summary>Everything a connection may change in the namespace: addresses, every table's routes, the rules.</summary>
    private static string Snapshot(Lab lab) => string.Join(
        "\n--\n",
        lab.Exec(1, "ip", "address", "show"),
        lab.Exec(1, "ip", "-4", "route", "show", "table", "all"),
        lab.Exec(1, "ip", "-6", "route", "show", "table", "all"),
        lab.Exec(1, "ip", "-4", "rule", "show"),
        lab.Exec(1, "ip", "-6", "rule", "show"));

    /// <summary>Waits until no address is tentative (duplicate address detection would change the snapshot while it is taken).</summary>
    private static void WaitForSettledAddresses(Lab lab) =>
        Lab.WaitUntil(() => !lab.Exec(1, "ip", "address", "show").Contains("tentative", StringComparison.Ordinal), "addresses stayed tentative");

    [GeneratedRegex(@"\buid \d+\b")]
    private static partial Regex Uid();

    [GeneratedRegex(@"\bproto \S+")]
    private static partial Regex Protocol();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
