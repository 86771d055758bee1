using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Text;
using Tunnel.Interop.Tests.Infrastructure;
using Tunnel.Net;

namespace Tunnel.Interop.Tests.InProcess;

/// <summary>
/// The in-process stack against the Linux kernel's TCP/IP for real, through a wireguard-go gateway: pings both ways,
/// names from dnsmasq, HttpClient to busybox's HTTP server, curl connecting in to our listener, a kernel echo server
/// over a lossy, slow and reordering path, gRPC to Kestrel, and tunnel-proxy run as nobody carrying curl by SOCKS5 and HTTP.
/// </summary>
public sealed partial class InProcessStackInteropTests(StackLab lab) : IClassFixture<StackLab>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pings_CrossBothWays_TheKernelAnsweringOursAndOurStackTheKernels()
    {
        TunnelPingReply reply = await PingUntilAnsweredAsync(IPAddress.Parse("10.200.0.2"));
        Assert.Equal(IPStatus.Success, reply.Status);
        Assert.Equal(IPStatus.Success, (await lab.Network.PingAsync(IPAddress.Parse("fd00:200::2"), TimeSpan.FromSeconds(2), Token)).Status);

        Assert.True(lab.Lab.Ping(2, "10.200.0.1"), "the kernel's ping of our stack went unanswered");
        Assert.True(lab.Lab.Ping(2, "fd00:200::1"), "the kernel's ping6 of our stack went unanswered");
    }

    [Fact]
    public async Task Names_ComeFromDnsmasq_ThroughTheTunnel()
    {
        await PingUntilAnsweredAsync(IPAddress.Parse("10.200.0.2"));

        IPAddress[] addresses = await lab.Network.ResolveAsync("web.lab.test", cancellationToken: Token);

        Assert.Equal([IPAddress.Parse("10.200.0.2"), IPAddress.Parse("fd00:200::2")], addresses);
        Assert.Equal(System.Net.Sockets.SocketError.HostNotFound, (await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => lab.Network.ResolveAsync("nowhere.lab.test", cancellationToken: Token))).SocketErrorCode);
    }

    [Fact]
    public async Task HttpClient_FetchesFromTheKernelsHttpServer_ByName()
    {
        await PingUntilAnsweredAsync(IPAddress.Parse("10.200.0.2"));
        using var client = new HttpClient(lab.Network.CreateHttpHandler());

        Assert.Equal(StackLab.Page, await client.GetStringAsync("http://web.lab.test/hello.txt", Token));
    }

    [Fact]
    public async Task TheKernelsCurl_ConnectsInToOurListener()
    {
        await PingUntilAnsweredAsync(IPAddress.Parse("10.200.0.2"));
        using TunnelTcpListener listener = lab.Network.ListenTcp(8080);
        Task serving = ServeOneHttpRequestAsync(listener);

        string body = lab.Lab.Exec(2, "curl", "-sS", "--max-time", "20", "http://10.200.0.1:8080/from-the-kernel");
        await serving.WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.Equal("our stack: GET /from-the-kernel", body);
    }

    [Theory]
    [InlineData(4, 0.0, 0, 0)]
    [InlineData(2, 0.02, 10, 20)] // 2 % lost each way, 10-30 ms late: reordered wherever datagrams go out within 20 ms
    public async Task Megabytes_EchoedByTheKernel_ArriveIntact(int megabytes, double loss, int delayMilliseconds, int jitterMilliseconds)
    {
        // Impaired by our socket, whatever the kernel has (netem's case is below, where the kernel has netem): loss, delay
        // and reordering of the encrypted datagrams, which the kernel's TCP behind the gateway and ours both recover from.
        await using TunnelNetwork network = loss == 0
            ? null!
            : await lab.StartClientAsync(lab.NewClient(3), sockets => new ImpairedSockets(sockets, loss, TimeSpan.FromMilliseconds(delayMilliseconds), TimeSpan.FromMilliseconds(jitterMilliseconds), seed: 7));
        TunnelNetwork client = network ?? lab.Network;
        await PingUntilAnsweredAsync(client, IPAddress.Parse("10.200.0.2"));

        await EchoThroughTheKernelAsync(client, megabytes, $"loss {loss:P0}, delay {delayMilliseconds} + {jitterMilliseconds} ms");
    }

    [Fact]
    public async Task Megabytes_EchoedByTheKernel_ArriveIntact_ThroughNetem()
    {
        // netem on both ends of the lab's veth: 2 % lost each way, 10-30 ms late (so reordered), 0.5 % duplicated.
        string[] impairment = ["netem", "loss", "2%", "delay", "10ms", "20ms", "duplicate", "0.5%"];
        for (int side = 1; side <= 2; side++)
        {
            Command.Result added = lab.Lab.TryExec(side, "tc", ["qdisc", "add", "dev", lab.Lab.Veth(side), "root", .. impairment]);
            if (!added.Succeeded)
            {
                ClearNetem();
                Assert.True(added.Error.Contains("qdisc kind is unknown", StringComparison.Ordinal), added.Error);
                Assert.Skip($"this kernel has no netem (sch_netem): {added.Error.Trim()}");
            }
        }

        try
        {
            await PingUntilAnsweredAsync(IPAddress.Parse("10.200.0.2"));
            await EchoThroughTheKernelAsync(lab.Network, 2, "netem loss 2 %, delay 10 + 20 ms, duplicate 0.5 %");
        }
        finally
        {
            ClearNetem();
        }
    }

    private void ClearNetem()
    {
        for (int side = 1; side <= 2; side++)
        {
            lab.Lab.TryExec(side, "tc", "qdisc", "del", "dev", lab.Lab.Veth(side), "root");
        }
    }

    private static async Task EchoThroughTheKernelAsync(TunnelNetwork client, int megabytes, string path)
    {
        await using TunnelTcpStream stream = await client.ConnectAsync(IPAddress.Parse("10.200.0.2"), 7, Token);
        byte[] data = new byte[megabytes << 20];
        new Random(42).NextBytes(data);
        var stopwatch = Stopwatch.StartNew();
        Task writing = Task.Run(async () =>
        {
            await stream.WriteAsync(data, Token);
            stream.ShutdownWrite();
        }, Token);
        var received = new MemoryStream(data.Length);
        await stream.CopyToAsync(received, Token).WaitAsync(TimeSpan.FromMinutes(3), Token);
        await writing;

        Assert.Equal(data.Length, received.Length);
        Assert.True(received.GetBuffer().AsSpan(0, data.Length).SequenceEqual(data), "the echo differs");
        TestContext.Current.SendDiagnosticMessage($"{megabytes} MiB each way through the kernel's echo in {stopwatch.Elapsed.TotalSeconds:F2} s ({path})");
    }

    [Fact]
    public async Task TheKernelsIperf3Server_RunsATestWithOurIperf3Client()
    {
        await PingUntilAnsweredAsync(IPAddress.Parse("10.200.0.2"));
        lab.Lab.StartIperfServer(2, "10.200.0.2");
        const long Bytes = 64L << 20;

        long received = await Iperf3Client.SendAsync(lab.Network, IPAddress.Parse("10.200.0.2"), Bytes, Token).WaitAsync(TimeSpan.FromMinutes(2), Token);

        // The server counts what it has read when our TEST_END arrives on the other connection: all but what is still in
        // flight or in its socket buffer, as with iperf3's own client.
        Assert.InRange(received, Bytes - (4L << 20), Bytes);
    }

    [Fact]
    public async Task TunnelProxy_RunAsNobody_CarriesCurlsRequests_BySocks5Hostname_HttpForwarding_AndConnect()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-proxy-lab-").FullName;
        string config = Path.Combine(directory, "wg0.conf");
        await File.WriteAllTextAsync(config, lab.ClientConfiguration, Token);
        Command.Run("chown", "-R", "nobody", directory);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        string configuration = Path.GetFileName(AppContext.BaseDirectory.TrimEnd('/'));
        string proxy = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Tunnel.Proxy", configuration, "tunnel-proxy.dll"));
        Assert.True(File.Exists(proxy), $"tunnel-proxy is not built at {proxy}");
        using var process = new NamespaceProcess(
            lab.Lab.Namespace(1), "runuser", ["-u", "nobody", "--", "dotnet", proxy, "--config", config, "--socks5", "127.0.0.1:1080", "--http", "127.0.0.1:8080"],
            new Dictionary<string, string> { ["HOME"] = directory, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });
        Lab.WaitUntil(() => process.Log.Contains("SOCKS5 on 127.0.0.1:1080, HTTP on 127.0.0.1:8080", StringComparison.Ordinal) || process.HasExited, "tunnel-proxy did not start");
        Assert.False(process.HasExited, process.Log);

        Command.Result fetched = default!;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            fetched = lab.Lab.TryExec(1, "runuser", "-u", "nobody", "--", "curl", "-sS", "--max-time", "20", "--socks5-hostname", "127.0.0.1:1080", "http://web.lab.test/hello.txt");
            if (fetched.Succeeded)
            {
                break; // the first may wait for the proxy's handshake with the gateway
            }
        }

        Assert.True(fetched.Succeeded, $"{fetched.Error}\n{process.Log}");
        Assert.Equal(StackLab.Page, fetched.Output);

        // The HTTP proxy: a plain-http request forwarded, and the same through a CONNECT tunnel (curl -p).
        foreach (string[] http in new[] { new[] { "--proxy", "http://127.0.0.1:8080" }, ["--proxy", "http://127.0.0.1:8080", "--proxytunnel"] })
        {
            Assert.Equal(StackLab.Page, lab.Lab.Exec(1, "runuser", ["-u", "nobody", "--", "curl", "-sS", "--max-time", "20", .. http, "http://web.lab.test/hello.txt"]));
        }

        Assert.True(Command.Try("pgrep", ["-u", "nobody", "-f", "tunnel-proxy.dll"]).Succeeded, "tunnel-proxy does not run as nobody"); // runuser stays as its parent
    }

    private Task<TunnelPingReply> PingUntilAnsweredAsync(IPAddress address) => PingUntilAnsweredAsync(lab.Network, address);

    private static async Task<TunnelPingReply> PingUntilAnsweredAsync(TunnelNetwork network, IPAddress address)
    {
        TunnelPingReply reply = null!;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            reply = await network.PingAsync(address, TimeSpan.FromSeconds(1), Token);
            if (reply.Status == IPStatus.Success)
            {
                break;
            }
        }

        return reply;
    }

    private static async Task ServeOneHttpRequestAsync(TunnelTcpListener listener)
    {
        await using TunnelTcpStream connection = await listener.AcceptAsync(Token);
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await connection.ReadAsync(buffer, Token);
            Assert.True(read > 0, "the request ended early");
            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        string line = request.ToString()[..request.ToString().IndexOf('\r', StringComparison.Ordinal)];
        string body = $"our stack: {line[..line.LastIndexOf(' ')]}";
        await connection.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), Token);
    }
}
