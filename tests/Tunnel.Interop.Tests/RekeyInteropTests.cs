using System.Text.Json;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>A real rekey: the initiator's session reaches Rekey-After-Time (120 s) while a TCP stream runs both ways.</summary>
public sealed class RekeyInteropTests
{
    /// <summary>
    /// The three pairings run at once, each in its own lab, so the suite waits the 135 s once. Side 1
    /// initiates, so with wireguard-go on side 1 it is wireguard-go that rekeys and we who answer.
    /// </summary>
    [Fact]
    public async Task AfterRekeyAfterTime_ANewHandshakeReplacesTheSession_WithoutBreakingTheTcpStream()
    {
        var runs = Pairings.Pairs.Select(pair => Task.Run(() => Rekey(pair.One, pair.Two), TestContext.Current.CancellationToken));
        string[] failures = (await Task.WhenAll(runs)).Where(failure => failure is not null).Select(failure => failure!).ToArray();
        Assert.True(failures.Length == 0, string.Join(Environment.NewLine, failures));
    }

    private static string? Rekey(Implementation one, Implementation two)
    {
        try
        {
            using var lab = new Lab();
            Peer side1 = lab.Start(1, one), side2 = lab.Start(2, two);
            Lab.Connect(side1, side2);
            Assert.True(lab.Ping(1, "10.200.0.2", 1)); // side 1 initiates, so its session is the one that ages
            long first = side1.DumpOf(side2).LatestHandshake;

            lab.StartIperfServer(2, "10.200.0.2");
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

            long latest1 = side1.DumpOf(side2).LatestHandshake;
            long latest2 = side2.DumpOf(side1).LatestHandshake;
            Assert.InRange(latest1 - first, 110, 140);
            Assert.Equal(latest1, latest2, tolerance: 1);
            return null;
        }
        catch (Exception failure) when (failure is Xunit.Sdk.IAssertionException or InvalidOperationException or TimeoutException)
        {
            return $"{one} <-> {two}: {failure.Message}";
        }
    }
}
