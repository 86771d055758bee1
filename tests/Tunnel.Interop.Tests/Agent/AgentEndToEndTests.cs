using System.Net;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>
/// The agent end to end, in an <see cref="AgentLab"/>: our agent in the client namespace, wireguard-go as
/// the gateway, and what reaches the internet's HTTP server (and from which address) as the proof of each
/// routing decision. Names resolve through the client's resolver file, as for any program, and the agent is
/// driven only with <c>tunnelctl</c>.
/// </summary>
public sealed class AgentEndToEndTests
{
    [Fact]
    public async Task Exclude_mode_sends_entries_direct_and_the_rest_through_the_tunnel_and_disconnect_restores_everything()
    {
        await using var lab = new AgentLab();
        lab.PublicDns.Addresses["www.direct.test"] = [IPAddress.Parse("10.201.4.2")];
        lab.PublicDns.Addresses["other.test"] = [IPAddress.Parse("10.201.4.3")];
        lab.PublicDns.Addresses["late.test"] = [IPAddress.Parse("10.201.4.6")];
        lab.PublicDns.Addresses["app.corp.test"] = [IPAddress.Parse("10.201.4.9")]; // what the public internet would say
        lab.CorpDns.Addresses["app.corp.test"] = [IPAddress.Parse("10.201.4.5")];
        string config = lab.WriteConfig(
            lab.StartGateway(),
            "exclude",
            """[ { "entry": "10.201.4.1/32", "description": "printer" }, { "entry": "*.direct.test" } ]""",
            $$"""[ { "suffix": "corp.test", "servers": [ "{{lab.CorpDns.EndPoint}}" ] } ]""");

        Assert.False(await lab.ClientCanQueryAsync(lab.CorpDns.EndPoint, "app.corp.test"), "the corporate DNS server must not be reachable outside the tunnel");
        Assert.Equal((AgentLab.DirectAddress, "10.201.4.4"), lab.Fetch("10.201.4.4"));
        string routingBefore = lab.RoutingState();
        byte[] resolverBefore = File.ReadAllBytes(lab.ResolvConf);

        using var agent = new AgentProcess(lab, config);
        Assert.Equal("disconnected", agent.Json("status").GetProperty("state").GetString());
        Assert.Equal("connected", agent.Json("connect").GetProperty("state").GetString());
        agent.WaitForHandshake();
        Assert.Contains("nameserver 127.0.0.53", File.ReadAllText(lab.ResolvConf), StringComparison.Ordinal);

        // A CIDR entry and a *. domain entry go direct; other addresses and names through the tunnel.
        Assert.Equal((AgentLab.DirectAddress, "10.201.4.1"), lab.Fetch("10.201.4.1"));
        Assert.Equal((AgentLab.DirectAddress, "10.201.4.2"), lab.Fetch("www.direct.test"));
        Assert.Equal((AgentLab.TunnelAddress, "10.201.4.3"), lab.Fetch("other.test"));
        Assert.Equal((AgentLab.TunnelAddress, "10.201.4.4"), lab.Fetch("10.201.4.4"));

        // The per-domain server answers its suffix (through the tunnel), the default upstream the rest.
        Assert.Equal((AgentLab.TunnelAddress, "10.201.4.5"), lab.Fetch("app.corp.test"));
        Assert.Contains(lab.CorpDns.Queries, query => query.Name == "app.corp.test");
        Assert.DoesNotContain(lab.PublicDns.Queries, query => query.Name == "app.corp.test");
        Assert.DoesNotContain(lab.CorpDns.Queries, query => query.Name is "other.test" or "www.direct.test");

        var learned = agent.Json("routes").EnumerateArray().ToList();
        var direct = Assert.Single(learned, route => route.GetProperty("address").GetString() == "10.201.4.2");
        Assert.Equal("direct", direct.GetProperty("decision").GetString());
        Assert.Equal("www.direct.test", direct.GetProperty("names")[0].GetProperty("name").GetString());
        var explained = agent.Json("explain", "www.direct.test");
        Assert.Equal(("direct", "*.direct.test"), (explained.GetProperty("decision").GetString(), explained.GetProperty("rule").GetString()));

        // A live host entry takes effect on the next lookup, without reconnecting.
        string since = agent.Json("status").GetProperty("connectedSince").GetString()!;
        Assert.Equal(AgentLab.TunnelAddress, lab.Fetch("late.test").From);
        agent.CtlOk("tunnel", "host", "add", "late.test", "--description", "added live");
        Assert.Equal(AgentLab.DirectAddress, lab.Fetch("late.test").From);
        var status = agent.Json("status");
        Assert.Equal(("connected", since), (status.GetProperty("state").GetString(), status.GetProperty("connectedSince").GetString()));
        Assert.Contains(agent.Json("settings").EnumerateArray(), setting =>
            setting.GetProperty("name").GetString() == "splitTunnel" && setting.GetProperty("source").GetString() == "local" && setting.GetProperty("value").GetString()!.Contains("late.test", StringComparison.Ordinal));

        string human = agent.CtlOk("status");
        Assert.Contains("connected", human, StringComparison.Ordinal);
        Assert.Contains("exclude", human, StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage($"tunnelctl status:\n{human}\ntunnelctl routes:\n{agent.CtlOk("routes")}");

        Assert.Equal("disconnected", agent.Json("disconnect").GetProperty("state").GetString());
        Assert.False(lab.InterfaceExists(lab.TunInterface));
        Assert.Equal(routingBefore, lab.RoutingState());
        Assert.Equal(resolverBefore, File.ReadAllBytes(lab.ResolvConf));
        Assert.Equal((AgentLab.DirectAddress, "10.201.4.3"), lab.Fetch("10.201.4.3"));
    }

    [Fact]
    public async Task Include_mode_sends_only_the_entries_through_the_tunnel_learning_a_name_before_its_answer_is_released()
    {
        await using var lab = new AgentLab();
        lab.PublicDns.Addresses["app.include.test"] = [IPAddress.Parse("10.201.4.7")];
        lab.PublicDns.Addresses["other.test"] = [IPAddress.Parse("10.201.4.3")];
        string config = lab.WriteConfig(lab.StartGateway(), "include", """[ { "entry": "10.201.4.1/32" }, { "entry": "app.include.test" } ]""");
        string routingBefore = lab.RoutingState();
        byte[] resolverBefore = File.ReadAllBytes(lab.ResolvConf);

        using (var agent = new AgentProcess(lab, config, "--connect"))
        {
            agent.WaitForHandshake();
            Assert.Equal("include", agent.Json("status").GetProperty("mode").GetString());

            // curl connects the moment the answer arrives: the route must already be there.
            Assert.Equal((AgentLab.TunnelAddress, "10.201.4.7"), lab.Fetch("app.include.test"));
            Assert.Equal((AgentLab.TunnelAddress, "10.201.4.1"), lab.Fetch("10.201.4.1"));
            Assert.Equal((AgentLab.DirectAddress, "10.201.4.3"), lab.Fetch("other.test"));
            Assert.Equal((AgentLab.DirectAddress, "10.201.4.4"), lab.Fetch("10.201.4.4"));
            Assert.Equal("tunnel", agent.Json("explain", "10.201.4.7").GetProperty("decision").GetString());
            Assert.Equal("direct", agent.Json("explain", "10.201.4.4").GetProperty("decision").GetString());

            // The mode changes live: in exclude mode the entries are what stays outside.
            agent.CtlOk("mode", "exclude");
            Assert.Equal((AgentLab.TunnelAddress, "10.201.4.4"), lab.Fetch("10.201.4.4"));
            Assert.Equal((AgentLab.DirectAddress, "10.201.4.1"), lab.Fetch("10.201.4.1"));
        }

        // Stopped as systemd stops it (SIGTERM): disconnected on the way out.
        Assert.Equal(routingBefore, lab.RoutingState());
        Assert.Equal(resolverBefore, File.ReadAllBytes(lab.ResolvConf));
    }

    [Fact]
    public async Task Posture_only_mode_installs_no_routes_and_leaves_the_resolver_but_reports_posture()
    {
        await using var lab = new AgentLab();
        string tunnel = lab.StartGateway();
        string config = lab.WriteConfig(tunnel, "posture-only", "[]");
        string routingBefore = lab.RoutingState();
        byte[] resolverBefore = File.ReadAllBytes(lab.ResolvConf);

        using var agent = new AgentProcess(lab, config, "--connect");
        Assert.Equal("posture-only", agent.Json("status").GetProperty("state").GetString());
        Assert.False(lab.InterfaceExists(lab.TunInterface));
        Assert.Equal(routingBefore, lab.RoutingState());
        Assert.Equal(resolverBefore, File.ReadAllBytes(lab.ResolvConf));
        Assert.Equal((AgentLab.DirectAddress, "10.201.4.4"), lab.Fetch("10.201.4.4"));

        var posture = agent.Json("posture");
        Assert.False(string.IsNullOrEmpty(posture.GetProperty("operatingSystem").GetString()));
        Assert.Equal(Environment.OSVersion.Version.Major, Version.Parse(posture.GetProperty("kernelVersion").GetString()!.Split('-')[0]).Major);
        string privateKey = tunnel.Split('\n').First(line => line.StartsWith("PrivateKey", StringComparison.Ordinal)).Split(" = ")[1].Trim();
        Assert.Equal(Command.Run("sh", "-c", $"echo {privateKey} | wg pubkey").Trim(), posture.GetProperty("publicKey").GetString());
        Assert.Contains(posture.GetProperty("diskEncryption").GetString(), new[] { "enabled", "disabled", "unknown" });

        // Anyone may connect to the socket, but only root and the agent's user (and group) are served: the
        // agent judges by the kernel's credentials of the client (curl, which any user can run from /usr/bin).
        var denied = Command.Try("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "curl", "-sS", "--unix-socket", lab.ApiSocket, "-w", "\n%{http_code}", "http://localhost/v1/status"]);
        Assert.True(denied.Succeeded, denied.Error);
        Assert.EndsWith("\n403", denied.Output, StringComparison.Ordinal);
        string error = System.Text.Json.JsonDocument.Parse(denied.Output[..^4]).RootElement.GetProperty("error").GetString()!;
        Assert.StartsWith("access denied: the local API is for root and the agent's user", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_killed_agent_is_undone_by_the_next_start_and_by_cleanup_and_its_local_changes_are_kept()
    {
        await using var lab = new AgentLab();
        string config = lab.WriteConfig(lab.StartGateway(), "exclude", """[ { "entry": "10.201.4.1/32" } ]""");
        string routingBefore = lab.RoutingState();
        byte[] resolverBefore = File.ReadAllBytes(lab.ResolvConf);

        var agent = new AgentProcess(lab, config, "--connect");
        agent.WaitForHandshake();
        agent.CtlOk("tunnel", "ip", "add", "10.201.4.8/32", "--description", "kept across restarts");
        agent.Kill();
        agent.Dispose();
        Assert.NotEqual(routingBefore, lab.RoutingState()); // the rules outlive the process...
        Assert.NotEqual(resolverBefore, File.ReadAllBytes(lab.ResolvConf));

        using (var next = new AgentProcess(lab, config))
        {
            // ...until the next agent starts, before it answers anything.
            Assert.Equal(routingBefore, lab.RoutingState());
            Assert.Equal(resolverBefore, File.ReadAllBytes(lab.ResolvConf));

            // A change made through the API outlives the process that took it.
            Assert.Contains(next.Json("tunnel", "ip", "list").EnumerateArray(), entry => entry.GetProperty("entry").GetString() == "10.201.4.8/32");
            Assert.Contains(next.Json("settings").EnumerateArray(), setting => setting.GetProperty("name").GetString() == "splitTunnel" && setting.GetProperty("source").GetString() == "local");
            next.CtlOk("connect");
            next.WaitForHandshake();
            next.Kill();
        }

        Assert.NotEqual(routingBefore, lab.RoutingState());
        var cleanup = Command.Try("ip", ["netns", "exec", lab.Client, Lab.AgentPath, "cleanup", "--config", config]);
        Assert.True(cleanup.Succeeded, cleanup.Error);
        Assert.Equal(routingBefore, lab.RoutingState());
        Assert.Equal(resolverBefore, File.ReadAllBytes(lab.ResolvConf));
    }
}
