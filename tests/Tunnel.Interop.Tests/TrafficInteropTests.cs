using System.Text.Json;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>TCP through the tunnel with iperf3, and the counters wg shows for it.</summary>
public sealed class TrafficInteropTests
{
    [Theory]
    [MemberData(nameof(Pairings.AllBothDirections), MemberType = typeof(Pairings))]
    public void Iperf3Tcp_FlowsBothWays_AndWgShowCountsIt(Implementation one, Implementation two, bool reverse)
    {
        using var lab = new Lab();
        Peer side1 = lab.Start(1, one), side2 = lab.Start(2, two);
        Lab.Connect(side1, side2);
        Assert.True(lab.Ping(1, "10.200.0.2", 1));
        PeerDump before = side1.DumpOf(side2);

        lab.StartIperfServer(2, "10.200.0.2");
        string[] options = reverse ? ["-R"] : [];
        string json = lab.Exec(1, "iperf3", ["-c", "10.200.0.2", "-t", "3", "-J", .. options]);
        using var report = JsonDocument.Parse(json);
        JsonElement received = report.RootElement.GetProperty("end").GetProperty("sum_received");
        long bytes = received.GetProperty("bytes").GetInt64();
        Assert.True(bytes > 10_000_000, $"only {bytes} bytes crossed the tunnel");

        // The counters count whole WireGuard messages, so they exceed the TCP payload in the busy direction.
        PeerDump after = side1.DumpOf(side2);
        long counted = reverse ? after.ReceivedBytes - before.ReceivedBytes : after.SentBytes - before.SentBytes;
        Assert.InRange(counted, bytes, bytes * 2);
        // What one side counts as received is what the other sent, less what a full socket buffer dropped.
        // The counters only grow, so reading side 1, side 2, side 1 again orders them whatever still trickles.
        PeerDump mirror = side2.DumpOf(side1);
        PeerDump later = side1.DumpOf(side2);
        Assert.InRange(mirror.ReceivedBytes, reverse ? 1 : bytes, later.SentBytes);
        Assert.InRange(after.ReceivedBytes, reverse ? bytes : 1, mirror.SentBytes);
    }

    [Theory]
    [MemberData(nameof(Pairings.All), MemberType = typeof(Pairings))]
    public void PersistentKeepalive_KeepsAnIdleTunnelAlive(Implementation one, Implementation two)
    {
        using var lab = new Lab();
        Peer side1 = lab.Start(1, one), side2 = lab.Start(2, two);
        Lab.Connect(side1, side2);

        // Turning it on sends a keepalive at once (and so a handshake) with no traffic at all.
        side1.Set("peer", side2.PublicKey, "persistent-keepalive", "1");
        Thread.Sleep(TimeSpan.FromSeconds(1.5));
        PeerDump first = side2.DumpOf(side1);
        Assert.NotEqual(0, first.LatestHandshake);
        Thread.Sleep(TimeSpan.FromSeconds(3));
        PeerDump later = side2.DumpOf(side1);
        // Each keepalive is a 32-byte transport message; at least two more in three seconds.
        Assert.True(later.ReceivedBytes - first.ReceivedBytes >= 64, $"received {first.ReceivedBytes} then {later.ReceivedBytes}");
        Assert.Equal("1", side1.DumpOf(side2).PersistentKeepalive);
    }
}
