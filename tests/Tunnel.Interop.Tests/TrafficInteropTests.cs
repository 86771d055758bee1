using System.Text.Json;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>TCP through the tunnel with iperf3, and the counters wg shows for it.</summary>
public sealed class TrafficInteropTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Iperf3Tcp_FlowsBothWays_AndWgShowCountsIt(bool reverse)
    {
        using var lab = new Lab();
        Peer ours = lab.Start(1, Implementation.Tunnel), theirs = lab.Start(2, Implementation.WireGuardGo);
        Lab.Connect(ours, theirs);
        Assert.True(lab.Ping(1, "10.200.0.2", 1));
        PeerDump before = ours.DumpOf(theirs);

        lab.Exec(2, "iperf3", "-s", "-D", "-1", "-B", "10.200.0.2");
        Thread.Sleep(300);
        string[] options = reverse ? ["-R"] : [];
        string json = lab.Exec(1, "iperf3", ["-c", "10.200.0.2", "-t", "3", "-J", .. options]);
        using var report = JsonDocument.Parse(json);
        JsonElement received = report.RootElement.GetProperty("end").GetProperty("sum_received");
        long bytes = received.GetProperty("bytes").GetInt64();
        Assert.True(bytes > 10_000_000, $"only {bytes} bytes crossed the tunnel");

        // Our counters count whole WireGuard messages, so they exceed the TCP payload in the busy direction.
        PeerDump after = ours.DumpOf(theirs);
        long counted = reverse ? after.ReceivedBytes - before.ReceivedBytes : after.SentBytes - before.SentBytes;
        Assert.InRange(counted, bytes, bytes * 2);
        // What the other side counts as received is what we sent, less what a full socket buffer dropped.
        PeerDump mirror = theirs.DumpOf(ours);
        Assert.InRange(mirror.ReceivedBytes, reverse ? 1 : bytes, after.SentBytes);
        Assert.InRange(after.ReceivedBytes, reverse ? bytes : 1, mirror.SentBytes);
    }

    [Fact]
    public void PersistentKeepalive_KeepsAnIdleTunnelAlive()
    {
        using var lab = new Lab();
        Peer ours = lab.Start(1, Implementation.Tunnel), theirs = lab.Start(2, Implementation.WireGuardGo);
        Lab.Connect(ours, theirs);

        // Turning it on sends a keepalive at once (and so a handshake) with no traffic at all.
        ours.Set("peer", theirs.PublicKey, "persistent-keepalive", "1");
        Thread.Sleep(TimeSpan.FromSeconds(1.5));
        PeerDump first = theirs.DumpOf(ours);
        Assert.NotEqual(0, first.LatestHandshake);
        Thread.Sleep(TimeSpan.FromSeconds(3));
        PeerDump later = theirs.DumpOf(ours);
        // Each keepalive is a 32-byte transport message; at least two more in three seconds.
        Assert.True(later.ReceivedBytes - first.ReceivedBytes >= 64, $"received {first.ReceivedBytes} then {later.ReceivedBytes}");
        Assert.Equal("1", ours.DumpOf(theirs).PersistentKeepalive);
    }
}
