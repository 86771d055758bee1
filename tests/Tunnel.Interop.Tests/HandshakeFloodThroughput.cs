using System.Globalization;
using System.Net;
using System.Text.Json;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>
/// A lab measurement, not a check: TCP through our daemon (against wireguard-go) for 10 s alone, then for 10 s
/// while it is flooded with 25,000 initiations a second, and the ratio of the two in the same run. It runs only
/// when <c>TUNNEL_MEASURE_FLOOD=1</c> is set (the README's lab section gives the command), since throughput on a
/// shared machine belongs in measurements, not in the test suite.
/// </summary>
public sealed class HandshakeFloodThroughput
{
    [Fact]
    public void TcpThroughput_Flooded_AgainstUnflooded()
    {
        if (Environment.GetEnvironmentVariable("TUNNEL_MEASURE_FLOOD") != "1")
        {
            Assert.Skip("A lab measurement: set TUNNEL_MEASURE_FLOOD=1 to run it.");
        }

        using var lab = new Lab();
        Peer ours = lab.Start(2, Implementation.Tunnel);
        Peer other = lab.Start(1, Implementation.WireGuardGo);
        Lab.Connect(other, ours);
        Assert.True(lab.Ping(1, "10.200.0.2", 2));

        var rounds = new List<(double Alone, double Flooded)>();
        for (int round = 0; round < 3; round++)
        {
            double alone = Throughput(lab);
            using var flood = new HandshakeFlood(lab.Namespace(1), new IPEndPoint(IPAddress.Parse("192.0.2.2"), 51820), ours.PublicKey, 25_000, TimeSpan.FromSeconds(12));
            flood.Start();
            Thread.Sleep(1000);
            double flooded = Throughput(lab);
            flood.Wait();
            rounds.Add((alone, flooded));
            TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: alone {alone:F0} Mbit/s, flooded {flooded:F0} Mbit/s ({flood.Initiations / flood.Elapsed.TotalSeconds:F0} initiations/s, {flood.CookieReplies} cookie replies), ratio {flooded / alone:F2}"));
        }

        Assert.All(rounds, r => Assert.True(r.Alone > 0 && r.Flooded > 0));
    }

    /// <summary>TCP from side 1 to side 2 (the daemon under flood receives), 10 s, in Mbit/s.</summary>
    private static double Throughput(Lab lab)
    {
        lab.Exec(2, "iperf3", "-s", "-D", "-1", "-B", "10.200.0.2");
        Thread.Sleep(300);
        using var report = JsonDocument.Parse(lab.Exec(1, "iperf3", "-c", "10.200.0.2", "-t", "10", "-J"));
        return report.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e6;
    }
}
