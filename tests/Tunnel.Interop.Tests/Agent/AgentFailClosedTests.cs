using System.Diagnostics;
using System.Net;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>A dead engine fails closed and recovers: what the policy sends to the tunnel is refused, never sent direct, until the agent has reconnected.</summary>
public sealed class AgentFailClosedTests
{
    [Fact]
    public async Task Deleting_the_interface_reports_reconnecting_blocks_tunnel_traffic_and_the_agent_reconnects()
    {
        await using var lab = new AgentLab();
        string config = lab.WriteConfig(lab.StartGateway(), "exclude", """[ { "entry": "10.201.4.1/32" } ]""");
        string routingBefore = lab.RoutingState();
        using var agent = new AgentProcess(lab, config, "--connect");
        agent.WaitForHandshake();
        Assert.Equal((AgentLab.TunnelAddress, "10.201.4.4"), lab.Fetch("10.201.4.4"));
        using var watch = agent.Watch();
        watch.WaitFor("status"); // the watch's first event: it is registered

        // The interface goes; a link of the same name keeps the agent from making it again for now.
        Command.Run("ip", "-n", lab.Client, "link", "del", lab.TunInterface);
        Command.Run("ip", "-n", lab.Client, "link", "add", lab.TunInterface, "type", "veth", "peer", "name", lab.TunInterface + "p");
        var deadline = Stopwatch.StartNew();
        while (agent.Json("status").GetProperty("state").GetString() == "connected")
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(5), $"still 'connected' 5 s after the interface was deleted: {agent.Log}");
            Thread.Sleep(100);
        }

        var status = agent.Json("status");
        Assert.Equal("reconnecting", status.GetProperty("state").GetString());
        Assert.Contains("engine", status.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal("503", Health(lab));

        // Traffic for the tunnel is refused, not sent direct; an excluded destination still goes direct.
        lab.Http.Clients.Clear();
        var blocked = lab.TryFetch("10.201.4.4");
        Assert.False(blocked.Succeeded, $"reached 10.201.4.4 while the tunnel was down: {blocked.Output}");
        Assert.DoesNotContain(IPAddress.Parse(AgentLab.DirectAddress), lab.Http.Clients);
        Assert.Equal((AgentLab.DirectAddress, "10.201.4.1"), lab.Fetch("10.201.4.1"));

        // Once the name is free the agent reconnects (1 s, 2 s, 4 s, ...) and the tunnel carries traffic again.
        Command.Run("ip", "-n", lab.Client, "link", "del", lab.TunInterface);
        deadline.Restart();
        while (agent.Json("status").GetProperty("state").GetString() != "connected")
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"not reconnected in 20 s: {agent.Log}");
            Thread.Sleep(200);
        }

        agent.WaitForHandshake();
        Assert.Equal((AgentLab.TunnelAddress, "10.201.4.4"), lab.Fetch("10.201.4.4"));
        Assert.Equal("200", Health(lab));
        // The new connection's handshake reached the watch stream from the tunnel's peer events.
        Assert.Contains("handshake with ", watch.WaitFor("handshake").GetProperty("message").GetString(), StringComparison.Ordinal);
        // Only the prohibit routes that stand behind the tunnel routes (at the largest metric) are left.
        Assert.All(
            Command.Run("ip", "-n", lab.Client, "route", "show", "table", "52820").Split('\n').Where(line => line.StartsWith("prohibit", StringComparison.Ordinal)),
            line => Assert.EndsWith("metric 4294967295", line.TrimEnd(), StringComparison.Ordinal));

        Assert.Equal("disconnected", agent.Json("disconnect").GetProperty("state").GetString());
        Assert.Equal(routingBefore, lab.RoutingState());
    }

    [Fact]
    public async Task Disconnecting_while_reconnecting_removes_the_blocking_routes()
    {
        await using var lab = new AgentLab();
        string config = lab.WriteConfig(lab.StartGateway(), "include", """[ { "entry": "10.201.4.7/32" } ]""");
        string routingBefore = lab.RoutingState();
        using var agent = new AgentProcess(lab, config, "--connect");
        agent.WaitForHandshake();
        Assert.Equal((AgentLab.TunnelAddress, "10.201.4.7"), lab.Fetch("10.201.4.7"));

        Command.Run("ip", "-n", lab.Client, "link", "del", lab.TunInterface);
        Command.Run("ip", "-n", lab.Client, "link", "add", lab.TunInterface, "type", "veth", "peer", "name", lab.TunInterface + "p");
        var deadline = Stopwatch.StartNew();
        while (agent.Json("status").GetProperty("state").GetString() != "reconnecting")
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(5), $"not 'reconnecting' 5 s after the interface was deleted: {agent.Log}");
            Thread.Sleep(100);
        }

        // Include mode: the included prefix is refused, the rest goes direct as always.
        Assert.Contains("prohibit 10.201.4.7 proto 116", Command.Run("ip", "-n", lab.Client, "route", "show", "table", "52820"), StringComparison.Ordinal);
        Assert.False(lab.TryFetch("10.201.4.7").Succeeded);
        Assert.Equal((AgentLab.DirectAddress, "10.201.4.4"), lab.Fetch("10.201.4.4"));

        Assert.Equal("disconnected", agent.Json("disconnect").GetProperty("state").GetString());
        Command.Run("ip", "-n", lab.Client, "link", "del", lab.TunInterface);
        Assert.Equal(routingBefore, lab.RoutingState());
        Assert.Equal((AgentLab.DirectAddress, "10.201.4.7"), lab.Fetch("10.201.4.7"));
    }

    [Fact]
    public async Task A_killed_agent_leaves_tunnel_traffic_refused_until_cleanup()
    {
        await using var lab = new AgentLab();
        string config = lab.WriteConfig(lab.StartGateway(), "exclude", """[ { "entry": "10.201.4.1/32" } ]""");
        string routingBefore = lab.RoutingState();
        var agent = new AgentProcess(lab, config, "--connect");
        agent.WaitForHandshake();
        Assert.Equal((AgentLab.TunnelAddress, "10.201.4.4"), lab.Fetch("10.201.4.4"));

        // SIGKILL: the interface and its routes die with the process, with no chance to do anything.
        agent.Kill();
        agent.Dispose();
        lab.Http.Clients.Clear();
        Assert.False(lab.TryFetch("10.201.4.4").Succeeded, "tunnel traffic left directly after the agent died");
        Assert.Empty(lab.Http.Clients);
        Assert.Equal((AgentLab.DirectAddress, "10.201.4.1"), lab.Fetch("10.201.4.1"));

        var cleanup = Command.Try("ip", ["netns", "exec", lab.Client, Lab.AgentPath, "cleanup", "--config", config]);
        Assert.True(cleanup.Succeeded, cleanup.Error);
        Assert.Equal(routingBefore, lab.RoutingState());
        Assert.Equal((AgentLab.DirectAddress, "10.201.4.4"), lab.Fetch("10.201.4.4"));
    }

    private static string Health(AgentLab lab) =>
        Command.Run("curl", "-sS", "--unix-socket", lab.ApiSocket, "-o", "/dev/null", "-w", "%{http_code}", "http://localhost/v1/health");
}
