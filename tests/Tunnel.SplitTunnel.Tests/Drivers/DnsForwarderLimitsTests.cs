using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Tunnel.Dns;
using Tunnel.Dns.Internal;
using Tunnel.Routing;
using Tunnel.Testing;

namespace Tunnel.SplitTunnel.Tests.Drivers;

/// <summary>
/// The forwarder is bounded and never an open resolver: random upstream IDs, per-client query slots shared
/// by UDP and TCP, TCP connection caps, an idle timeout a byte at a time cannot extend, and fail-closed
/// learning (SERVFAIL when an include-mode answer's routes cannot be installed).
/// </summary>
public sealed class DnsForwarderLimitsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachQueryGoesUpstreamWithARandomId_AndTheAnswerCarriesTheClientsId()
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        upstream.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var options = Options();
        options.Upstreams.Add((IPEndPoint)upstream.LocalEndPoint!);
        await using var forwarder = new DnsForwarder(options);
        await forwarder.StartAsync(Ct);

        var seen = new List<ushort>();
        for (int i = 0; i < 8; i++)
        {
            using var client = Client(AddressFamily.InterNetwork, SocketType.Dgram, "127.0.0.1");
            using var timeout = new CancellationTokenSource(Timeout);
            await client.SendToAsync(TestDnsServer.Query("a.test", id: 0x1234), forwarder.LocalEndPoint!, timeout.Token);

            // The upstream echoes the query as an empty answer, with the ID it was sent.
            byte[] buffer = new byte[512];
            var received = await upstream.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            seen.Add(BinaryPrimitives.ReadUInt16BigEndian(buffer));
            buffer[2] |= 0x80;
            await upstream.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint, timeout.Token);

            int length = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.True(DnsMessage.TryParse(buffer.AsSpan(0, length), out var answer, out _));
            Assert.Equal((0x1234, true), (answer.Id, answer.IsResponse));
        }

        Assert.Contains(seen, id => id != 0x1234);
        Assert.True(seen.Distinct().Count() >= 6, $"upstream IDs: {string.Join(", ", seen)}");
    }

    [Fact]
    public async Task OneClientCannotTakeEveryQuerySlot_AndTcpSharesTheUdpSlots()
    {
        await using var silent = new TestDnsServer { Silent = true };
        await using var live = new TestDnsServer();
        live.Addresses["ok.live.test"] = [IPAddress.Parse("192.0.2.7")];
        var options = Options();
        options.MaxQueriesPerClient = 4;
        options.QueryTimeout = TimeSpan.FromSeconds(5);
        options.Upstreams.Add(silent.EndPoint);
        options.FallbackDomains.Add(new DnsFallbackDomain("live.test", [live.EndPoint]));
        await using var forwarder = new DnsForwarder(options);
        await forwarder.StartAsync(Ct);

        using var greedy = Client(AddressFamily.InterNetwork, SocketType.Dgram, "127.0.0.1");
        for (ushort i = 0; i < 20; i++)
        {
            await greedy.SendToAsync(TestDnsServer.Query($"q{i}.test", id: i), forwarder.LocalEndPoint!, Ct);
        }

        await WaitUntilAsync(() => forwarder.Statistics.UdpQueries == 20);
        Assert.Equal(16, forwarder.Statistics.DroppedQueries);

        // The same client over TCP finds its slots taken: SERVFAIL at once, not a wait.
        var tcpAnswer = await QueryTcpAsync(forwarder.LocalEndPoint!, "127.0.0.1", "ok.live.test");
        Assert.Equal(DnsResponseCode.ServerFailure, Rcode(tcpAnswer));

        // Another client is answered at once.
        using var other = Client(AddressFamily.InterNetwork, SocketType.Dgram, "127.0.0.2");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await other.SendToAsync(TestDnsServer.Query("ok.live.test"), forwarder.LocalEndPoint!, timeout.Token);
        byte[] buffer = new byte[512];
        int length = await other.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        Assert.Equal(DnsResponseCode.NoError, Rcode(buffer[..length]));
    }

    [Fact]
    public async Task TcpConnectionsAreCappedInAllAndPerClient()
    {
        var options = Options();
        options.MaxTcpConnections = 5;
        options.MaxTcpConnectionsPerClient = 3;
        options.Upstreams.Add(new IPEndPoint(IPAddress.Loopback, 9));
        await using var forwarder = new DnsForwarder(options);
        await forwarder.StartAsync(Ct);

        var open = new List<Socket>();
        var resetAtConnect = new HashSet<int>();
        try
        {
            foreach (string from in new[] { "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.2", "127.0.0.3" })
            {
                var socket = Client(AddressFamily.InterNetwork, SocketType.Stream, from);
                open.Add(socket);
                try
                {
                    await socket.ConnectAsync(forwarder.LocalEndPoint!, Ct);
                }
                catch (SocketException)
                {
                    // The forwarder's reset can overtake the handshake's completion: closed as well.
                    resetAtConnect.Add(open.Count - 1);
                }

                await WaitUntilAsync(() => forwarder.TcpConnections + forwarder.Statistics.TcpConnectionsRejected == open.Count);
            }

            Assert.Equal((5, 2L), (forwarder.TcpConnections, forwarder.Statistics.TcpConnectionsRejected));

            // The fourth from 127.0.0.1 and the one from 127.0.0.3 were closed by the forwarder.
            Assert.True(resetAtConnect.Contains(3) || await IsClosedAsync(open[3]));
            Assert.True(resetAtConnect.Contains(6) || await IsClosedAsync(open[6]));
            Assert.DoesNotContain(resetAtConnect, i => i is not (3 or 6));
            Assert.False(await IsClosedAsync(open[0]));
        }
        finally
        {
            open.ForEach(socket => socket.Dispose());
        }

        await WaitUntilAsync(() => forwarder.TcpConnections == 0);
    }

    [Fact]
    public async Task ATcpClientDribblingAByteAtATimeIsClosedAtTheIdleTimeout()
    {
        var time = new FakeTimeProvider();
        var options = Options();
        options.TimeProvider = time;
        options.TcpIdleTimeout = TimeSpan.FromSeconds(10);
        options.Upstreams.Add(new IPEndPoint(IPAddress.Loopback, 9));
        await using var forwarder = new DnsForwarder(options);
        await forwarder.StartAsync(Ct);

        using var client = Client(AddressFamily.InterNetwork, SocketType.Stream, "127.0.0.1");
        await client.ConnectAsync(forwarder.LocalEndPoint!, Ct);
        await WaitUntilAsync(() => forwarder.TcpConnections == 1);
        byte[] query = TestDnsServer.Query("slow.test");
        byte[] framed = [.. new byte[] { 0, (byte)query.Length }, .. query];
        for (int i = 0; i < 3; i++)
        {
            await client.SendAsync(framed.AsMemory(i, 1), SocketFlags.None, Ct);
            await Task.Delay(50, Ct);
            time.Advance(TimeSpan.FromSeconds(3));
        }

        Assert.Equal(1, forwarder.TcpConnections);
        await client.SendAsync(framed.AsMemory(3, 1), SocketFlags.None, Ct);
        await Task.Delay(50, Ct);
        // 13.5 s since the connection opened. The idle clock starts when the handler first reads, which a loaded
        // machine may delay past the first step above (up to 3 s of fake time late); a clock that each byte
        // restarted would not run out before 19 s.
        time.Advance(TimeSpan.FromSeconds(4.5));
        Assert.True(await IsClosedAsync(client));
        await WaitUntilAsync(() => forwarder.TcpConnections == 0);
        Assert.Equal(1, forwarder.Statistics.TcpTimeouts);
    }

    [Fact]
    public async Task ATcpClientThatNeverReadsIsClosedAtTheWriteTimeout()
    {
        var time = new FakeTimeProvider();
        var options = Options();
        options.TimeProvider = time;
        options.TcpWriteTimeout = TimeSpan.FromSeconds(5);
        options.Upstreams.Add(new IPEndPoint(IPAddress.Loopback, 9));
        await using var forwarder = new DnsForwarder(options);
        await forwarder.StartAsync(Ct);

        // Canary queries are answered at once, without an upstream; the client reads none of the answers.
        using var client = Client(AddressFamily.InterNetwork, SocketType.Stream, "127.0.0.1");
        client.ReceiveBufferSize = 1024;
        await client.ConnectAsync(forwarder.LocalEndPoint!, Ct);
        byte[] query = TestDnsServer.Query("use-application-dns.net");
        byte[] batch = [.. Enumerable.Range(0, 1000).SelectMany(_ => new byte[] { 0, (byte)query.Length }.Concat(query))];
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var sending = Task.Run(
            async () =>
            {
                while (true)
                {
                    await client.SendAsync(batch, SocketFlags.None, stopSending.Token);
                }
            },
            Ct);

        // The forwarder has queries left to read but answers none: it is blocked writing to a client that does not read.
        long last = -1;
        while (forwarder.Statistics.TcpQueries != last)
        {
            Assert.False(sending.IsCompleted, $"the client could not send: {sending.Exception?.InnerException?.Message}");
            last = forwarder.Statistics.TcpQueries;
            await Task.Delay(500, Ct);
        }

        Assert.Equal((1, 0L), (forwarder.TcpConnections, forwarder.Statistics.TcpTimeouts));
        // On a loaded machine the counter may have paused before the write blocked, and a write that begins
        // after an advance starts its own clock: advance again until the blocked write's timeout has run out.
        await WaitUntilAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(6));
            Thread.Sleep(100);
            return forwarder.TcpConnections == 0;
        });
        Assert.Equal(1, forwarder.Statistics.TcpTimeouts);
        await stopSending.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => sending);
    }

    [Theory]
    [InlineData(SplitTunnelMode.Include, DnsResponseCode.ServerFailure)]
    [InlineData(SplitTunnelMode.Exclude, DnsResponseCode.NoError)]
    public async Task AnAnswerWhoseRoutesCannotBeLearnedIsWithheldWhereItsRuleMeansTheTunnel(SplitTunnelMode mode, DnsResponseCode expected)
    {
        await using var upstream = new TestDnsServer();
        upstream.Addresses["one.corp.test"] = [IPAddress.Parse("10.0.0.1")];
        upstream.Addresses["two.corp.test"] = [IPAddress.Parse("10.0.0.2")];
        var policy = new SplitTunnelPolicy(mode, [SplitTunnelRule.Parse("*.corp.test")]);
        await using var controller = new SplitTunnelController(new SplitTunnelRouter(policy, new LearnedRouteOptions { MaxRoutes = 1 }), new InMemoryRouteApplier());
        await controller.StartAsync(Ct);
        var options = Options();
        options.Upstreams.Add(upstream.EndPoint);
        await using var forwarder = new DnsForwarder(options, controller);
        await forwarder.StartAsync(Ct);

        Assert.Equal(DnsResponseCode.NoError, Rcode(await QueryUdpAsync(forwarder.LocalEndPoint!, "one.corp.test")));
        Assert.Equal(expected, Rcode(await QueryUdpAsync(forwarder.LocalEndPoint!, "two.corp.test")));
        Assert.Equal(1, controller.Router.Statistics.DroppedOverTotalLimit);
        Assert.Equal(expected == DnsResponseCode.ServerFailure ? 1 : 0, forwarder.Statistics.AnswersWithheld);
    }

    [Fact]
    public async Task AnAnswerWhoseRoutesTheSystemRefusesIsWithheld_AndTheNextAnswerTriesAgain()
    {
        await using var upstream = new TestDnsServer();
        upstream.Addresses["app.corp.test"] = [IPAddress.Parse("10.0.0.1")];
        var applier = new FailingApplier();
        var policy = new SplitTunnelPolicy(SplitTunnelMode.Include, [SplitTunnelRule.Parse("*.corp.test")]);
        await using var controller = new SplitTunnelController(new SplitTunnelRouter(policy), applier);
        await controller.StartAsync(Ct);
        var options = Options();
        options.Upstreams.Add(upstream.EndPoint);
        await using var forwarder = new DnsForwarder(options, controller);
        await forwarder.StartAsync(Ct);

        applier.Fail = true;
        Assert.Equal(DnsResponseCode.ServerFailure, Rcode(await QueryUdpAsync(forwarder.LocalEndPoint!, "app.corp.test")));
        Assert.Equal(RouteDecision.Direct, controller.Router.Decide(IPAddress.Parse("10.0.0.1").GetAddressBytes()));
        Assert.Equal(0, controller.Router.Statistics.LearnedAddresses);

        applier.Fail = false;
        Assert.Equal(DnsResponseCode.NoError, Rcode(await QueryUdpAsync(forwarder.LocalEndPoint!, "app.corp.test")));
        Assert.True(applier.Inner.Contains(IPNetwork.Parse("10.0.0.1/32"), RouteDecision.Tunnel));
        Assert.Equal(1, forwarder.Statistics.AnswersWithheld);
    }

    [Fact]
    public void LocalAddresses_AreLoopbackAndThisMachinesInterfaces_NotOthers()
    {
        var local = new LocalAddressSet(TimeProvider.System);
        Assert.True(local.Contains(IPAddress.Loopback));
        Assert.True(local.Contains(IPAddress.Parse("::ffff:127.0.0.9")));
        Assert.False(local.Contains(IPAddress.Parse("192.0.2.200")));
    }

    private static DnsForwarderOptions Options() => new() { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };

    private static Socket Client(AddressFamily family, SocketType type, string from)
    {
        var socket = new Socket(family, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        return socket;
    }

    private static async Task<byte[]> QueryUdpAsync(IPEndPoint forwarder, string name)
    {
        using var client = Client(AddressFamily.InterNetwork, SocketType.Dgram, "127.0.0.1");
        using var timeout = new CancellationTokenSource(Timeout);
        await client.SendToAsync(TestDnsServer.Query(name), forwarder, timeout.Token);
        byte[] buffer = new byte[65535];
        int length = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return buffer[..length];
    }

    private static async Task<byte[]> QueryTcpAsync(IPEndPoint forwarder, string from, string name)
    {
        using var client = Client(AddressFamily.InterNetwork, SocketType.Stream, from);
        using var timeout = new CancellationTokenSource(Timeout);
        await client.ConnectAsync(forwarder, timeout.Token);
        byte[] query = TestDnsServer.Query(name);
        await client.SendAsync((byte[])[.. new byte[] { 0, (byte)query.Length }, .. query], SocketFlags.None, timeout.Token);
        byte[] prefix = new byte[2];
        Assert.Equal(2, await client.ReceiveAsync(prefix, SocketFlags.None, timeout.Token));
        byte[] answer = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        int read = 0;
        while (read < answer.Length)
        {
            read += await client.ReceiveAsync(answer.AsMemory(read), SocketFlags.None, timeout.Token);
        }

        return answer;
    }

    /// <summary>Whether the forwarder closed the connection (end of stream or reset), waiting up to 2 s.</summary>
    private static async Task<bool> IsClosedAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            return await socket.ReceiveAsync(new byte[512], SocketFlags.None, timeout.Token) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(10);
        }
    }

    private static DnsResponseCode Rcode(byte[] response)
    {
        Assert.True(DnsMessage.TryParse(response, out var message, out var error), error.ToString());
        return message.ResponseCode;
    }

    /// <summary>An in-memory table that refuses every change while <see cref="Fail"/> is set, as a kernel out of memory would.</summary>
    private sealed class FailingApplier : IRouteApplier
    {
        public InMemoryRouteApplier Inner { get; } = new();

        public bool Fail { get; set; }

        public ValueTask ApplyAsync(RouteSetChange change, CancellationToken cancellationToken) =>
            Fail && change.Added.Count > 0 ? throw new IOException("no route for you") : Inner.ApplyAsync(change, cancellationToken);
    }
}
