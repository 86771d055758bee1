using System.Globalization;
using System.Text.Json;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>
/// Our daemon with each Linux fast-path feature switched off (<c>TUNNEL_DISABLE</c>), or with crypto helper
/// threads (<c>TUNNEL_CRYPTO_HELPERS</c>), against wireguard-go and against our daemon with everything on: the
/// slow paths must interoperate as the fast one does (the rest of the suite runs with the defaults).
/// </summary>
public sealed class FastPathInteropTests
{
    public static TheoryData<string, Implementation> Settings()
    {
        var data = new TheoryData<string, Implementation>();
        foreach (string disabled in new[] { "tun-offloads", "udp-gso", "udp-gro", "mmsg", "udp-pktinfo", "aead-simd", "aead-avx512", "all" })
        {
            data.Add(disabled, Implementation.WireGuardGo);
            data.Add(disabled, Implementation.Tunnel);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void WithAFeatureOff_PingTcpAndUdpStillFlow(string disabled, Implementation other) =>
        AssertTrafficFlows(new Dictionary<string, string> { ["TUNNEL_DISABLE"] = disabled }, $"{disabled} off", other);

    /// <summary>The helpers that share the ciphers with the pumps, more than this machine's default and more than its processors.</summary>
    [Theory]
    [InlineData(1, Implementation.WireGuardGo)]
    [InlineData(1, Implementation.Tunnel)]
    [InlineData(3, Implementation.Tunnel)]
    public void WithCryptoHelpers_PingTcpAndUdpStillFlow(int helpers, Implementation other) =>
        AssertTrafficFlows(new Dictionary<string, string> { ["TUNNEL_CRYPTO_HELPERS"] = helpers.ToString(CultureInfo.InvariantCulture) }, $"{helpers} crypto helpers", other);

    private static void AssertTrafficFlows(Dictionary<string, string> environment, string setting, Implementation other)
    {
        using var lab = new Lab();
        Peer side1 = lab.Start(1, Implementation.Tunnel, environment: environment);
        Peer side2 = lab.Start(2, other);
        Lab.Connect(side1, side2);

        Assert.True(lab.Ping(1, "10.200.0.2", 2, "-M", "do", "-s", "1392"), "a full-MTU ping did not pass");
        Assert.False(lab.Ping(1, "10.200.0.2", 1, "-M", "do", "-s", "1393"), "a ping over the MTU passed");

        foreach (bool reverse in new[] { false, true })
        {
            lab.StartIperfServer(2, "10.200.0.2");
            string[] direction = reverse ? ["-R"] : [];
            using var tcp = JsonDocument.Parse(lab.Exec(1, "iperf3", ["-c", "10.200.0.2", "-t", "2", "-J", .. direction]));
            long bytes = tcp.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bytes").GetInt64();
            Assert.True(bytes > 10_000_000, $"TCP {(reverse ? "2 -> 1" : "1 -> 2")} moved only {bytes} bytes with {setting}");
        }

        // Loss is measured on a machine shared with the other test assemblies: a starved iperf3 or daemon loses
        // datagrams at its socket or TUN queue whatever the path, so the receiver gets a deep buffer and the
        // measurement gets three tries. A path that loses by construction (a dropped or mangled GSO segment,
        // a lost batch) loses on every try.
        var losses = new List<double>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            lab.StartIperfServer(2, "10.200.0.2");
            using var udp = JsonDocument.Parse(lab.Exec(1, "iperf3", "-c", "10.200.0.2", "-u", "-b", "100M", "-l", "1392", "-w", "2M", "-t", "2", "-J"));
            JsonElement sum = udp.RootElement.GetProperty("end").GetProperty("sum");
            Assert.True(sum.GetProperty("bytes").GetInt64() > 10_000_000, $"UDP moved only {sum.GetProperty("bytes").GetInt64()} bytes with {setting}");
            losses.Add(sum.GetProperty("lost_percent").GetDouble());
            if (losses[^1] < 5)
            {
                break;
            }
        }

        Assert.True(losses[^1] < 5, $"UDP lost {string.Join(", ", losses.Select(l => l.ToString("F1", CultureInfo.InvariantCulture)))} % in {losses.Count} runs with {setting}");
        Assert.False(side1.HasExited, side1.Log);
    }
}
