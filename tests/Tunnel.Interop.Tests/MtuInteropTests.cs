using System.Globalization;
using System.Text.Json;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>
/// The interface MTU changed under running daemons (<c>ip link set mtu</c>, as an administrator or a jumbo-frame
/// path does): raised to a jumbo value on both sides, then lowered back, our daemon keeps moving TCP both ways
/// over IPv4 and IPv6 against wireguard-go and against itself, and DF pings pass at the MTU and are refused one
/// byte above it.
/// </summary>
public sealed class MtuInteropTests
{
    private const int Jumbo = 34736;

    [Theory]
    [InlineData(Implementation.WireGuardGo)]
    [InlineData(Implementation.Tunnel)]
    public void RaisingAndLoweringTheMtuAtRunTime_KeepsTcpFlowing(Implementation other)
    {
        using var lab = new Lab();
        Peer ours = lab.Start(1, Implementation.Tunnel);
        Peer peer = lab.Start(2, other);
        Lab.Connect(ours, peer);
        Assert.True(lab.Ping(1, "10.200.0.2", 2), "no ping through the tunnel at 1420");
        for (int side = 1; side <= 2; side++)
        {
            lab.Exec(side, "ip", "link", "set", lab.Veth(side), "mtu", "65535"); // an underlay that carries the jumbo datagrams
        }

        foreach (int mtu in new[] { Jumbo, 1420 })
        {
            foreach (Peer daemon in new[] { ours, peer })
            {
                lab.Exec(daemon.Side, "ip", "link", "set", daemon.Interface, "mtu", mtu.ToString(CultureInfo.InvariantCulture));
            }

            // The first packet of a new size may meet buffers of the old one (it is dropped, never cut): wait for one through.
            string size = (mtu - 28).ToString(CultureInfo.InvariantCulture);
            Lab.WaitUntil(() => lab.Ping(1, "10.200.0.2", 1, "-M", "do", "-s", size), $"no DF ping of {mtu} bytes passed after the MTU became {mtu}");
            Assert.True(lab.Ping(1, "10.200.0.2", 3, "-M", "do", "-s", size), $"DF pings of {mtu} bytes did not all pass at MTU {mtu}");
            Assert.True(lab.Ping(2, "10.200.0.1", 3, "-M", "do", "-s", size), $"DF pings of {mtu} bytes from the other side did not all pass at MTU {mtu}");
            Assert.False(lab.Ping(1, "10.200.0.2", 1, "-M", "do", "-s", (mtu - 27).ToString(CultureInfo.InvariantCulture)), $"a DF ping one byte over MTU {mtu} passed");

            foreach (string server in new[] { "10.200.0.2", "fd00:200::2" })
            {
                foreach (bool reverse in new[] { false, true })
                {
                    long moved = Transfer(lab, server, reverse);
                    Assert.True(moved >= 500_000_000, $"TCP {(reverse ? "2 -> 1" : "1 -> 2")} to {server} at MTU {mtu} moved only {moved} bytes against {other}");
                }
            }
        }

        Assert.False(ours.HasExited, ours.Log);
    }

    /// <summary>512 MiB through the tunnel with iperf3, bounded in time so a stall fails instead of hanging.</summary>
    private static long Transfer(Lab lab, string server, bool reverse)
    {
        lab.StartIperfServer(2, server);
        string[] direction = reverse ? ["-R"] : [];
        Command.Result result = lab.TryExec(1, "timeout", ["60", "iperf3", "-c", server, "-n", "512M", "-J", .. direction]);
        Assert.True(result.Succeeded, $"iperf3 to {server} failed or stalled: {result.Output} {result.Error}");
        using var report = JsonDocument.Parse(result.Output);
        return report.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bytes").GetInt64();
    }
}
