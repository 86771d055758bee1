using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Tunnel.Interop.Tests.Infrastructure;
using Tunnel.SplitTunnel.Tests.Drivers;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>
/// The agent's forwarder, listening on the tunnel's address as it does for systemd-resolved, is bounded and
/// never an open resolver: a flood of idle TCP connections from an unprivileged local user leaves its
/// descriptors and memory bounded and other queries answered, and neither a host behind the gateway nor a
/// neighbour on the physical link is answered.
/// </summary>
public sealed class AgentDnsForwarderAbuseTests
{
    private static readonly IPEndPoint Forwarder = new(IPAddress.Parse(AgentLab.TunnelAddress), 53);

    [Fact]
    public async Task Two_thousand_TCP_connections_that_never_read_leave_the_agent_bounded_and_another_clients_query_answered()
    {
        await using var lab = new AgentLab();
        lab.PublicDns.Addresses["flood.test"] = [IPAddress.Parse("10.201.4.1")];
        lab.PublicDns.Addresses["legit.test"] = [IPAddress.Parse("10.201.4.2")];
        string config = lab.WriteConfig(lab.StartGateway(), "exclude", "[]", listen: $"{AgentLab.TunnelAddress}:53");
        using var agent = new AgentProcess(lab, config, "--connect");
        agent.WaitForHandshake();
        Assert.True(await AgentLab.CanQueryAsync(lab.Client, Forwarder, "legit.test"), $"the forwarder does not answer a local client: {agent.Log}");
        int descriptorsBefore = Descriptors(agent.ProcessId);
        long memoryBefore = ResidentBytes(agent.ProcessId);

        // Bash as nobody: 2,000 connections, one query written on each, none ever read, all held open.
        byte[] query = TestDnsServer.Query("flood.test");
        byte[] framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        string bytes = string.Concat(framed.Select(b => string.Create(CultureInfo.InvariantCulture, $"\\x{b:x2}")));
        string script = $"trap '' PIPE; ulimit -n 4096; opened=0; for i in $(seq 2000); do if exec {{fd}}<>/dev/tcp/{AgentLab.TunnelAddress}/53; then printf '{bytes}' >&$fd; opened=$((opened+1)); fi; done 2>/dev/null; echo opened $opened; sleep 60";
        using var flood = new NamespaceProcess(lab.Client, "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "bash", "-c", script]);
        var deadline = Stopwatch.StartNew();
        while (!flood.Log.Contains("opened", StringComparison.Ordinal))
        {
            Assert.False(flood.HasExited, $"the flood exited: {flood.Log}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"the flood did not finish opening in 60 s: {flood.Log}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        int descriptorsDuring = Descriptors(agent.ProcessId);
        long memoryDuring = ResidentBytes(agent.ProcessId);
        var answered = Stopwatch.StartNew();
        Assert.True(await AgentLab.CanQueryAsync(lab.Client, Forwarder, "legit.test"), "another client's query was not answered within 2 s during the flood");
        TestContext.Current.SendDiagnosticMessage(
            $"flood: {flood.Log.Trim()}; agent descriptors {descriptorsBefore} -> {descriptorsDuring}, resident memory {memoryBefore >> 20} -> {memoryDuring >> 20} MiB, another query answered in {answered.ElapsedMilliseconds} ms");
        Assert.True(descriptorsDuring <= descriptorsBefore + 40, $"the agent's descriptors went from {descriptorsBefore} to {descriptorsDuring}");
        Assert.True(memoryDuring - memoryBefore < 64L << 20, $"the agent's memory went from {memoryBefore >> 20} to {memoryDuring >> 20} MiB");
        // A connection the forwarder resets at once may fail its connect; nearly all must have been made.
        int opened = int.Parse(flood.Log.Split("opened ")[1].Split('\n')[0].Trim(), CultureInfo.InvariantCulture);
        Assert.True(opened >= 1_900, $"the flood made only {opened} connections");
    }

    [Fact]
    public async Task Neither_a_host_behind_the_gateway_nor_a_neighbour_on_the_link_is_answered()
    {
        await using var lab = new AgentLab();
        lab.PublicDns.Addresses["legit.test"] = [IPAddress.Parse("10.201.4.2")];
        string config = lab.WriteConfig(lab.StartGateway(), "exclude", "[]", listen: $"{AgentLab.TunnelAddress}:53");
        using var agent = new AgentProcess(lab, config, "--connect");
        agent.WaitForHandshake();
        Assert.True(await AgentLab.CanQueryAsync(lab.Client, Forwarder, "legit.test"), $"the forwarder does not answer a local client: {agent.Log}");

        // From behind the gateway, through the tunnel: the query arrives on the agent's interface, unanswered.
        using (var capture = new PacketCapture(lab.Client, lab.TunInterface, "udp dst port 53"))
        {
            Assert.False(await AgentLab.CanQueryAsync(lab.Gateway, Forwarder, "legit.test"), "a host behind the gateway was answered");
            Assert.True(capture.Stop() > 0, $"the query from behind the gateway never reached the agent: {capture.Log}");
        }

        // A neighbour on the physical link that routes the tunnel's address to the client.
        Command.Run("ip", "-n", lab.Gateway, "route", "add", $"{AgentLab.TunnelAddress}/32", "via", AgentLab.DirectAddress, "dev", lab.GatewayLink);
        using (var capture = new PacketCapture(lab.Client, lab.ClientLink, "udp dst port 53"))
        {
            Assert.False(await AgentLab.CanQueryAsync(lab.Gateway, Forwarder, "legit.test"), "a neighbour on the link was answered");
            Assert.True(capture.Stop() > 0, $"the neighbour's query never reached the client: {capture.Log}");
        }

        Assert.True(await AgentLab.CanQueryAsync(lab.Client, Forwarder, "legit.test"), "the local client is no longer answered");
    }

    private static int Descriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    private static long ResidentBytes(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
