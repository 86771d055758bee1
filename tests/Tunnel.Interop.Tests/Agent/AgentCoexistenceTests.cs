using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>
/// The agent owns only what is its own: a wg-quick tunnel in the same namespace keeps every rule and route
/// through the agent's start, stop, SIGKILL and <c>cleanup</c>; clean-up runs each step whatever the others
/// did, and finds the rules of a run with a custom mark.
/// </summary>
public sealed class AgentCoexistenceTests
{
    [Fact]
    public async Task A_wg_quick_full_tunnel_keeps_every_rule_and_route_across_agent_start_stop_kill_and_cleanup()
    {
        await using var lab = new AgentLab();
        string config = lab.WriteConfig(lab.StartGateway(), "exclude", """[ { "entry": "10.201.4.1/32" } ]""");
        string wgQuick = Path.Combine(lab.Directory, $"wq{lab.Client[3..]}.conf");
        File.WriteAllText(wgQuick, $"""
            [Interface]
            PrivateKey = {Command.Run("wg", "genkey").Trim()}
            Address = 10.77.0.2/32

            [Peer]
            PublicKey = {Command.Run("sh", "-c", "wg genkey | wg pubkey").Trim()}
            Endpoint = 192.0.2.1:51820
            AllowedIPs = 0.0.0.0/0, ::/0
            """);
        File.SetUnixFileMode(wgQuick, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // wg-quick's full tunnel also adds firewall rules, with nft or else iptables-restore; where neither is
        // installed, a stand-in that accepts them keeps it going (the routes and rules are what is compared).
        string tools = Directory.CreateDirectory(Path.Combine(lab.Directory, "tools")).FullName;
        foreach (string tool in new[] { "iptables-restore", "ip6tables-restore" })
        {
            File.WriteAllText(Path.Combine(tools, tool), "#!/bin/sh\ncat >/dev/null\n");
            File.SetUnixFileMode(Path.Combine(tools, tool), (UnixFileMode)0b111_101_101);
        }

        var environment = new Dictionary<string, string>
        {
            ["WG_QUICK_USERSPACE_IMPLEMENTATION"] = "wireguard-go",
            ["PATH"] = $"{Environment.GetEnvironmentVariable("PATH")}:{tools}",
        };
        var up = Command.Try("ip", ["netns", "exec", lab.Client, "wg-quick", "up", wgQuick], TimeSpan.FromSeconds(60), environment);
        Assert.True(up.Succeeded, $"wg-quick up failed: {up.Error}");
        try
        {
            string wgQuickState = lab.RoutingState();
            Assert.Contains("lookup 51820", wgQuickState, StringComparison.Ordinal);
            Assert.Contains("default dev wq", wgQuickState, StringComparison.Ordinal);

            // Started and connected beside it, the agent adds its own and takes nothing away...
            using (var agent = new AgentProcess(lab, config, "--connect"))
            {
                agent.WaitForHandshake();
                string during = lab.RoutingState();
                Assert.Contains("lookup 52820 proto 116", during, StringComparison.Ordinal);
                Assert.All(wgQuickState.Split('\n'), line => Assert.Contains(line, during, StringComparison.Ordinal));
            }

            // ...and stopped (SIGTERM), leaves exactly what was there.
            Assert.Equal(wgQuickState, lab.RoutingState());

            // Killed: the next start removes what it left, and only that.
            var killed = new AgentProcess(lab, config, "--connect");
            killed.WaitForHandshake();
            killed.Kill();
            killed.Dispose();
            Assert.NotEqual(wgQuickState, lab.RoutingState());
            using (var next = new AgentProcess(lab, config))
            {
                Assert.Equal(wgQuickState, lab.RoutingState());
                next.CtlOk("connect");
                next.WaitForHandshake();
                next.Kill();
            }

            // Killed again: `tunnel-agent cleanup` removes what it left, and only that.
            Assert.NotEqual(wgQuickState, lab.RoutingState());
            var cleanup = Command.Try("ip", ["netns", "exec", lab.Client, Lab.AgentPath, "cleanup", "--config", config]);
            Assert.True(cleanup.Succeeded, cleanup.Error);
            Assert.Equal(wgQuickState, lab.RoutingState());
        }
        finally
        {
            Command.Try("ip", ["netns", "exec", lab.Client, "wg-quick", "down", wgQuick], TimeSpan.FromSeconds(60), environment);
        }
    }

    [Fact]
    public async Task A_corrupt_saved_resolver_is_moved_aside_and_reported_while_routes_and_rules_are_still_removed()
    {
        await using var lab = new AgentLab();
        string config = lab.WriteConfig(lab.StartGateway(), "exclude", "[]");
        string saved = Path.Combine(lab.Directory, "resolv.conf.saved");
        string routingBefore = lab.RoutingState();

        // The agent starts over a corrupt saved state: it answers, says what is wrong, and removed the routes.
        KillConnected(lab, config);
        File.WriteAllText(saved, "not a saved resolver\n");
        using (var agent = new AgentProcess(lab, config))
        {
            Assert.Equal(routingBefore, lab.RoutingState());
            var status = agent.Json("status");
            Assert.Equal("disconnected", status.GetProperty("state").GetString());
            Assert.Contains("not a saved resolver configuration", status.GetProperty("lastError").GetString(), StringComparison.Ordinal);
            Assert.Equal("503", Health(lab));
            Assert.False(File.Exists(saved));
            Assert.Single(Directory.GetFiles(lab.Directory, "resolv.conf.saved.corrupt-*"));
            agent.CtlOk("connect"); // and it can still be used
            agent.WaitForHandshake();
            agent.Kill();
        }

        // `cleanup` does the same, reports it, and fails so the service manager shows it.
        File.WriteAllText(saved, "corrupt again\n");
        var cleanup = Command.Try("ip", ["netns", "exec", lab.Client, Lab.AgentPath, "cleanup", "--config", config]);
        Assert.Equal(1, cleanup.ExitCode);
        Assert.Contains("Moved it to " + saved + ".corrupt-", cleanup.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(saved));
        Assert.Equal(routingBefore, lab.RoutingState());
    }

    [Fact]
    public async Task Cleanup_removes_the_rules_of_a_tunnel_with_a_custom_FwMark_and_Table()
    {
        await using var lab = new AgentLab();
        string tunnel = lab.StartGateway().Replace("[Interface]\n", "[Interface]\nFwMark = 0x4d2\nTable = 4321\n", StringComparison.Ordinal);
        string config = lab.WriteConfig(tunnel, "exclude", """[ { "entry": "10.201.4.1/32" } ]""");
        string routingBefore = lab.RoutingState();

        using (var agent = new AgentProcess(lab, config, "--connect"))
        {
            agent.WaitForHandshake();
            string rules = Command.Run("ip", "-n", lab.Client, "rule", "show");
            Assert.Contains("not from all fwmark 0x4d2 lookup 4321 proto 116", rules, StringComparison.Ordinal);
            Assert.Equal((AgentLab.TunnelAddress, "10.201.4.4"), lab.Fetch("10.201.4.4")); // the mark keeps the tunnel's own datagrams out of it
            agent.Kill();
        }

        Assert.NotEqual(routingBefore, lab.RoutingState());
        var cleanup = Command.Try("ip", ["netns", "exec", lab.Client, Lab.AgentPath, "cleanup", "--config", config]);
        Assert.True(cleanup.Succeeded, cleanup.Error);
        Assert.Equal(routingBefore, lab.RoutingState());
    }

    private static void KillConnected(AgentLab lab, string config)
    {
        using var agent = new AgentProcess(lab, config, "--connect");
        agent.WaitForHandshake();
        agent.Kill();
    }

    private static string Health(AgentLab lab) =>
        Command.Run("curl", "-sS", "--unix-socket", lab.ApiSocket, "-o", "/dev/null", "-w", "%{http_code}", "http://localhost/v1/health");
}
