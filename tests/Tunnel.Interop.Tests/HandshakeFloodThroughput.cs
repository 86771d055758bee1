using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>
/// A lab measurement, not a check: TCP from a wireguard-go peer through the daemon under test for 10 s alone,
/// then for 10 s while the daemon is flooded with 25,000 initiations a second, and the ratio of the two; the
/// same for a wireguard-go responder as the reference, in the same run, round by round. Each phase also
/// reports the responder's CPU (its share of one core) and how busy the whole machine was, since on a small
/// machine the flood's sender and the kernel's work for it take the CPU that carries the tunnel. It runs only
/// when <c>TUNNEL_MEASURE_FLOOD=1</c> is set (docs/benchmarks.md gives the command), since throughput
/// on a shared machine belongs in measurements, not in the test suite.
/// </summary>
public sealed class HandshakeFloodThroughput
{
    private const int Rounds = 3;
    private const int InitiationsPerSecond = 25_000;

    [Fact]
    public void TcpThroughput_Flooded_AgainstUnflooded()
    {
        if (Environment.GetEnvironmentVariable("TUNNEL_MEASURE_FLOOD") != "1")
        {
            Assert.Skip("A lab measurement: set TUNNEL_MEASURE_FLOOD=1 to run it.");
        }

        using var oursLab = new Lab();
        using var referenceLab = new Lab();
        var responders = new[]
        {
            ("ours", oursLab, Connected(oursLab, Implementation.Tunnel)),
            ("wireguard-go", referenceLab, Connected(referenceLab, Implementation.WireGuardGo)),
        };

        var results = new List<Phase>();
        for (int round = 1; round <= Rounds; round++)
        {
            foreach (var (name, lab, responder) in responders)
            {
                Phase alone = Measure(lab, responder);
                using var flood = new HandshakeFlood(lab.Namespace(1), new IPEndPoint(IPAddress.Parse("192.0.2.2"), 51820), responder.PublicKey, InitiationsPerSecond, TimeSpan.FromSeconds(12), batched: true);
                flood.Start();
                Thread.Sleep(1000);
                Phase flooded = Measure(lab, responder);
                flood.Wait();
                results.Add(flooded);
                TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"round {round} {name}: alone {alone.Mbits:F0} Mbit/s (responder {alone.ResponderCpu:P0} of a core, machine {alone.MachineBusy:P0} busy), " +
                    $"flooded {flooded.Mbits:F0} Mbit/s (responder {flooded.ResponderCpu:P0}, machine {flooded.MachineBusy:P0}; " +
                    $"{flood.Initiations / flood.Elapsed.TotalSeconds:F0} initiations/s, {flood.CookieReplies} cookie replies), ratio {flooded.Mbits / alone.Mbits:F2}"));
            }
        }

        Assert.All(results, r => Assert.True(r.Mbits > 0));
    }

    private static Peer Connected(Lab lab, Implementation responder)
    {
        Peer server = lab.Start(2, responder);
        Peer client = lab.Start(1, Implementation.WireGuardGo);
        Lab.Connect(client, server);
        Assert.True(lab.Ping(1, "10.200.0.2", 2));
        return server;
    }

    /// <summary>TCP from side 1 to side 2 (the responder under flood receives) for 10 s.</summary>
    private static Phase Measure(Lab lab, Peer responder)
    {
        lab.StartIperfServer(2, "10.200.0.2");
        TimeSpan cpuBefore = responder.CpuTime;
        (long busyBefore, long totalBefore) = MachineTicks();
        var clock = Stopwatch.StartNew();
        using var report = JsonDocument.Parse(lab.Exec(1, "iperf3", "-c", "10.200.0.2", "-t", "10", "-J"));
        double seconds = clock.Elapsed.TotalSeconds;
        (long busyAfter, long totalAfter) = MachineTicks();
        double mbits = report.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e6;
        return new Phase(mbits, (responder.CpuTime - cpuBefore).TotalSeconds / seconds, (busyAfter - busyBefore) / (double)Math.Max(1, totalAfter - totalBefore));
    }

    /// <summary>The machine's busy and total CPU ticks so far, from the first line of <c>/proc/stat</c>.</summary>
    private static (long Busy, long Total) MachineTicks()
    {
        long[] ticks = [.. File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(t => long.Parse(t, CultureInfo.InvariantCulture))];
        long idle = ticks[3] + ticks[4]; // idle and iowait
        return (ticks.Sum() - idle, ticks.Sum());
    }

    private readonly record struct Phase(double Mbits, double ResponderCpu, double MachineBusy);
}
