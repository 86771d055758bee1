using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using Tunnel.Configuration;
using Tunnel.Interop.Tests.Infrastructure;
using Tunnel.Net;

namespace Tunnel.Interop.Tests.InProcess;

/// <summary>
/// A lab measurement, not a check: one TCP stream of 256 MiB to a kernel sink (socat into /dev/null) behind our daemon
/// as the gateway, sent once through a TUN device (our daemon on the client side, the kernel's TCP, socat as the
/// sender) and once through the in-process stack (this process, <see cref="TunnelNetwork"/>), round by round in the same
/// run, with the ratio of the two and this process's CPU per gigabit for the in-process rounds. It runs only when
/// <c>TUNNEL_MEASURE_INPROCESS=1</c> is set (docs/benchmarks.md gives the command).
/// </summary>
public sealed class InProcessThroughput
{
    private const int Rounds = 3;
    private const long Bytes = 256L << 20;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneStream_InProcess_AgainstTheTunPath()
    {
        if (Environment.GetEnvironmentVariable("TUNNEL_MEASURE_INPROCESS") != "1")
        {
            Assert.Skip("A lab measurement: set TUNNEL_MEASURE_INPROCESS=1 to run it.");
        }

        Requirements.CheckProgram("socat", "socat");
        using var lab = new Lab();
        Peer gateway = lab.Start(2, Implementation.Tunnel);
        Peer client = lab.Start(1, Implementation.Tunnel);
        Lab.Connect(client, gateway);
        Assert.True(lab.Ping(1, "10.200.0.2", 2));

        // The in-process client is a second peer of the gateway: 10.200.0.3.
        string key = Command.Run("wg", "genkey").Trim();
        string publicKey = Command.Try("sh", ["-c", $"echo {key} | wg pubkey"]).Output.Trim();
        gateway.Set("peer", publicKey, "allowed-ips", "10.200.0.3/32");
        await using TunnelNetwork network = await TunnelNetwork.StartAsync(
            WireGuardConfiguration.Parse($"""
                [Interface]
                PrivateKey = {key}
                Address = 10.200.0.3/32

                [Peer]
                PublicKey = {gateway.PublicKey}
                AllowedIPs = 10.200.0.0/24
                Endpoint = 192.0.2.2:51820
                """),
            new TunnelNetworkOptions { DatagramSockets = new StackLab.NamespacedSockets(lab.Namespace(1)), TcpSendBufferSize = 1 << 20, TcpReceiveBufferSize = 1 << 20 },
            Token);
        using var sink = new NamespaceProcess(lab.Namespace(2), "socat", ["-u", "TCP-LISTEN:9,bind=10.200.0.2,reuseaddr,fork", "OPEN:/dev/null"]);
        Lab.WaitUntil(() => lab.TryExec(2, "ss", "-Hltn", "sport = :9").Output.Contains("LISTEN", StringComparison.Ordinal), "the sink did not listen");
        for (int attempt = 0; attempt < 20 && (await network.PingAsync(IPAddress.Parse("10.200.0.2"), TimeSpan.FromSeconds(1), Token)).Status != IPStatus.Success; attempt++)
        {
        }

        var rates = new List<(double Tun, double InProcess)>();
        var chunk = new byte[256 * 1024];
        for (int round = 1; round <= Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            lab.Exec(1, "sh", "-c", $"head -c {Bytes} /dev/zero | socat -u - TCP:10.200.0.2:9");
            double tun = Bytes * 8 / clock.Elapsed.TotalSeconds / 1e9;

            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            clock.Restart();
            await using (TunnelTcpStream stream = await network.ConnectAsync(IPAddress.Parse("10.200.0.2"), 9, Token))
            {
                for (long sent = 0; sent < Bytes; sent += chunk.Length)
                {
                    await stream.WriteAsync(chunk, Token);
                }

                stream.ShutdownWrite();
                while (await stream.ReadAsync(chunk, Token) > 0)
                {
                    // The sink closes once it has read everything: then every byte has arrived.
                }
            }

            double inProcess = Bytes * 8 / clock.Elapsed.TotalSeconds / 1e9;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / clock.Elapsed.TotalSeconds;
            TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: TUN path {tun:F2} Gbit/s, in-process {inProcess:F2} Gbit/s, ratio {inProcess / tun:F2}, in-process CPU {cpu:F2} cores = {cpu / inProcess:F2} cores per Gbit/s"));
            rates.Add((tun, inProcess));
        }

        Assert.All(rates, rate => Assert.True(rate.Tun > 0 && rate.InProcess > 0));
    }
}
