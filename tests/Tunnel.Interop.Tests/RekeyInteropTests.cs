using System.Text.Json;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>A real rekey: the initiator's session reaches Rekey-After-Time (120 s) while a TCP stream runs both ways.</summary>
public sealed class RekeyInteropTests
{
    [Fact]
    public void AfterRekeyAfterTime_ANewHandshakeReplacesTheSession_WithoutBreakingTheTcpStream()
    {
        using var lab = new Lab();
        Peer ours = lab.Start(1, Implementation.Tunnel), theirs = lab.Start(2, Implementation.WireGuardGo);
        Lab.Connect(ours, theirs);
        Assert.True(lab.Ping(1, "10.200.0.2", 1)); // we initiate, so our session is the one that ages
        long first = ours.DumpOf(theirs).LatestHandshake;

        lab.Exec(2, "iperf3", "-s", "-D", "-1", "-B", "10.200.0.2");
        Thread.Sleep(300);
        // 135 s at a modest rate both ways: the rekey falls in the middle; the stream must not stall or break.
        Command.Result run = lab.TryExec(1, "iperf3", "-c", "10.200.0.2", "-t", "135", "-b", "20M", "--bidir", "-J");
        Assert.True(run.Succeeded, $"iperf3 failed: {run.Error}{run.Output}");
        using var report = JsonDocument.Parse(run.Output);
        foreach (JsonElement interval in report.RootElement.GetProperty("intervals").EnumerateArray())
        {
            foreach (JsonElement stream in interval.GetProperty("streams").EnumerateArray())
            {
                double start = stream.GetProperty("start").GetDouble();
                Assert.True(stream.GetProperty("bytes").GetInt64() > 0, $"a stream stalled in the second starting at {start:F0} s");
            }
        }

        long ourLatest = ours.DumpOf(theirs).LatestHandshake;
        long theirLatest = theirs.DumpOf(ours).LatestHandshake;
        Assert.InRange(ourLatest - first, 110, 140);
        Assert.Equal(ourLatest, theirLatest, tolerance: 1);
    }
}
