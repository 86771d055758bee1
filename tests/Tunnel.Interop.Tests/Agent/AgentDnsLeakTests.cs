using System.Net;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>
/// DNS never leaks around the tunnel: with a <c>.conf</c>'s <c>DNS =</c> server that only the gateway reaches
/// (the lab's corporate server) and no <c>dns.upstreams</c>, names resolve through the system resolver and a
/// capture on the client's physical link sees no port-53 packet, in both modes.
/// </summary>
public sealed class AgentDnsLeakTests
{
    [Theory]
    [InlineData("exclude")]
    [InlineData("include")]
    public async Task The_tunnels_DNS_server_is_asked_through_the_tunnel_and_no_query_crosses_the_physical_link(string mode)
    {
        await using var lab = new AgentLab();
        lab.CorpDns.Addresses["app.corp.test"] = [IPAddress.Parse("10.201.4.5")];
        string config = lab.WriteConfig(lab.StartGateway(dns: "10.201.3.53"), mode, "[]", upstreams: "[]");

        // The capture sees a query that does cross the link (refused by the gateway): it can fail.
        using (var control = new PacketCapture(lab.Client, lab.ClientLink, "port 53"))
        {
            Assert.False(await lab.ClientCanQueryAsync(lab.CorpDns.EndPoint, "app.corp.test"));
            Assert.True(control.Stop() > 0, $"the capture saw nothing of a query sent on the link: {control.Log}");
        }

        using var agent = new AgentProcess(lab, config, "--connect");
        agent.WaitForHandshake();
        using var capture = new PacketCapture(lab.Client, lab.ClientLink, "port 53");

        var resolved = Command.Try("ip", ["netns", "exec", lab.Client, "getent", "ahostsv4", "app.corp.test"], TimeSpan.FromSeconds(20));
        Assert.True(resolved.Succeeded, $"the system resolver did not resolve app.corp.test ({resolved.ExitCode}): {resolved.Error}\n{agent.Log}");
        Assert.Contains("10.201.4.5", resolved.Output, StringComparison.Ordinal);
        Assert.Contains(lab.CorpDns.Queries, query => query.Name == "app.corp.test");

        var explained = agent.Json("explain", "10.201.3.53");
        Assert.Equal(("tunnel", "system"), (explained.GetProperty("decision").GetString(), explained.GetProperty("source").GetString()));
        Assert.Contains("through the tunnel", explained.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var upstreams = Assert.Single(agent.Json("settings").EnumerateArray(), setting => setting.GetProperty("name").GetString() == "dns.upstreams");
        Assert.Equal("10.201.3.53 (through the tunnel), the tunnel's DNS", upstreams.GetProperty("value").GetString());

        Assert.True(capture.Stop() == 0, $"DNS crossed the physical link:\n{capture.Log}");
    }
}
