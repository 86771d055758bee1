using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;
using Tunnel.Dns;
using Tunnel.Testing;

namespace Tunnel.Net.Tests;

/// <summary>
/// Two in-process networks, each a WireGuard peer with the user-space stack as its device, over real UDP on
/// 127.0.0.1: no TUN device, no privileges. Pings, UDP and name resolution cross the real tunnel both ways.
/// </summary>
public sealed class TunnelNetworkTests : IAsyncLifetime
{
    internal static readonly IPAddress A4 = IPAddress.Parse("10.99.0.1"), B4 = IPAddress.Parse("10.99.0.2");
    private static readonly IPAddress A6 = IPAddress.Parse("fd99::1"), B6 = IPAddress.Parse("fd99::2");
    private static readonly IPAddress Db4 = IPAddress.Parse("10.99.5.7"), Db6 = IPAddress.Parse("fd99::5:7");

    private TunnelNetwork _a = null!;
    private TunnelNetwork _b = null!;

    public async ValueTask InitializeAsync() => (_a, _b) = await StartPairAsync();

    /// <summary>Two networks over UDP on 127.0.0.1: A (10.99.0.1, fd99::1, DNS through B) and B (10.99.0.2, fd99::2).</summary>
    internal static async Task<(TunnelNetwork A, TunnelNetwork B)> StartPairAsync()
    {
        var entropy = new DeterministicEntropy(99);
        PrivateKey a = NewKey(entropy), b = NewKey(entropy);
        TunnelNetwork far = await TunnelNetwork.StartAsync(WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {b.ToBase64String()}
            Address = {B4}/32, {B6}/128

            [Peer]
            PublicKey = {a.GetPublicKey().ToBase64String()}
            AllowedIPs = {A4}/32, {A6}/128
            """), cancellationToken: TestContext.Current.CancellationToken);
        TunnelNetwork near = await TunnelNetwork.StartAsync(WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {a.ToBase64String()}
            Address = {A4}/32, {A6}/128
            DNS = {B4}, corp.example

            [Peer]
            PublicKey = {b.GetPublicKey().ToBase64String()}
            AllowedIPs = {B4}/32, {B6}/128
            Endpoint = 127.0.0.1:{far.Host.ListenPort}
            """), cancellationToken: TestContext.Current.CancellationToken);
        return (near, far);
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task APing_CrossesTheTunnel_OverIPv4AndIPv6_AndTheFarStackAnswersIt()
    {
        foreach (IPAddress target in (IPAddress[])[B4, B6])
        {
            TunnelPingReply reply = await PingUntilAnsweredAsync(_a, target);
            Assert.Equal(IPStatus.Success, reply.Status);
            Assert.True(reply.RoundtripTime > TimeSpan.Zero);
        }

        Assert.Equal(IPStatus.Success, (await PingUntilAnsweredAsync(_b, A4)).Status); // and back the other way
        Assert.True(_b.GetStatistics().PacketsSent >= 2); // its echo replies
    }

    [Fact]
    public async Task APingNoPeerCarries_TimesOut()
    {
        TunnelPingReply reply = await _a.PingAsync(IPAddress.Parse("10.42.0.1"), TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);

        Assert.Equal(IPStatus.TimedOut, reply.Status);
    }

    [Fact]
    public async Task UdpDatagrams_CrossBothWays_AndTheSenderIsKnown()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        await PingUntilAnsweredAsync(_a, B4); // the handshake done
        using TunnelUdpClient server = _b.OpenUdp(7);
        using TunnelUdpClient client = _a.OpenUdp();

        foreach (IPAddress target in (IPAddress[])[B4, B6])
        {
            await client.SendToAsync("ping through the tunnel"u8.ToArray(), new IPEndPoint(target, 7), token);
            var buffer = new byte[1500];
            TunnelUdpReceiveResult request = await server.ReceiveFromAsync(buffer, token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), token);
            Assert.Equal("ping through the tunnel", System.Text.Encoding.ASCII.GetString(buffer, 0, request.ReceivedBytes));
            Assert.Equal(client.LocalPort, request.RemoteEndPoint.Port);
            Assert.Equal(target.AddressFamily == AddressFamily.InterNetwork ? A4 : A6, request.RemoteEndPoint.Address);

            await server.SendToAsync(buffer.AsMemory(0, request.ReceivedBytes), request.RemoteEndPoint, token);
            TunnelUdpReceiveResult echo = await client.ReceiveFromAsync(buffer, token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), token);
            Assert.Equal(new IPEndPoint(target, 7), echo.RemoteEndPoint);
        }
    }

    [Fact]
    public async Task ADatagramLargerThanTheMtu_IsRefused_AndAPortInUseIsAnError()
    {
        using TunnelUdpClient client = _a.OpenUdp(5000);

        SocketException tooLarge = await Assert.ThrowsAsync<SocketException>(async () => await client.SendToAsync(new byte[1420], new IPEndPoint(B4, 7), TestContext.Current.CancellationToken));
        Assert.Equal(SocketError.MessageSize, tooLarge.SocketErrorCode);
        Assert.Equal(SocketError.AddressAlreadyInUse, Assert.Throws<SocketException>(() => _a.OpenUdp(5000)).SocketErrorCode);
    }

    [Fact]
    public async Task Names_AreResolvedThroughTheTunnel_WithSearchDomains_AndForgedAnswersIgnored()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        await PingUntilAnsweredAsync(_a, B4);
        using TunnelUdpClient dns = _b.OpenUdp(53);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        Task server = ServeDnsAsync(dns, stop.Token);

        IPAddress[] both = await _a.ResolveAsync("db.corp.example", cancellationToken: token);
        IPAddress[] viaSearch = await _a.ResolveAsync("db", AddressFamily.InterNetwork, token);
        SocketException missing = await Assert.ThrowsAsync<SocketException>(() => _a.ResolveAsync("missing.corp.example", cancellationToken: token));

        Assert.Equal([Db4, Db6], both); // the forged answer (another id, another address) sent first each time was ignored
        Assert.Equal([Db4], viaSearch);
        Assert.Equal(SocketError.HostNotFound, missing.SocketErrorCode);
        Assert.Equal([IPAddress.Parse("192.0.2.1")], await _a.ResolveAsync("192.0.2.1", cancellationToken: token));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server);
    }

    [Fact]
    public async Task ABadName_AndANetworkWithoutDnsServers_AreClearErrors()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _a.ResolveAsync("bad..name", cancellationToken: TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _b.ResolveAsync("db.corp.example", cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AConfigurationWithoutAnAddress_IsRefused()
    {
        var entropy = new DeterministicEntropy(5);
        var configuration = WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {NewKey(entropy).ToBase64String()}
            """);

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => TunnelNetwork.StartAsync(configuration, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("no Address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATcpMemoryLimitBelowOneConnectionsBuffers_IsRefused()
    {
        var configuration = WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {NewKey(new DeterministicEntropy(6)).ToBase64String()}
            Address = 10.9.0.1/32
            """);
        var options = new TunnelNetworkOptions { TcpSendBufferSize = 64 * 1024, TcpReceiveBufferSize = 64 * 1024, TcpMemoryLimit = 100 * 1024 };

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => TunnelNetwork.StartAsync(configuration, options, TestContext.Current.CancellationToken));
        Assert.Contains("TcpMemoryLimit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATcpStream_CarriesAMegabyteEachWay_ThroughTheTunnel_AndHalfCloses()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        await PingUntilAnsweredAsync(_a, B4);
        using TunnelTcpListener listener = _b.ListenTcp(7);
        Task echo = EchoOnceAsync(listener, token);

        await using TunnelTcpStream stream = await _a.ConnectAsync(B4, 7, token);
        Assert.Equal(new IPEndPoint(B4, 7), stream.RemoteEndPoint);
        Assert.Equal(A4, stream.LocalEndPoint.Address);
        byte[] data = new byte[1 << 20];
        new Random(3).NextBytes(data);
        Task writing = Task.Run(async () =>
        {
            for (int offset = 0; offset < data.Length; offset += 10_000)
            {
                await stream.WriteAsync(data.AsMemory(offset, Math.Min(10_000, data.Length - offset)), token);
            }

            stream.ShutdownWrite(); // half-close: the echo server sees the end, echoes the rest, then closes
        }, token);

        var received = new MemoryStream();
        await stream.CopyToAsync(received, token).WaitAsync(TimeSpan.FromSeconds(60), token);
        await writing;
        await echo;

        Assert.Equal(data.Length, received.Length);
        Assert.True(received.ToArray().AsSpan().SequenceEqual(data));
        Assert.Equal(TcpConnectionError.None, stream.Error);

        // Both ends closed and let go: every buffer's memory is given back.
        await stream.DisposeAsync();
        for (int wait = 0; wait < 200 && (_a.GetStatistics().TcpBufferBytes, _b.GetStatistics().TcpBufferBytes) != (0, 0); wait++)
        {
            await Task.Delay(25, token);
        }

        Assert.Equal((0L, 0L), (_a.GetStatistics().TcpBufferBytes, _b.GetStatistics().TcpBufferBytes));
        Assert.Equal(1, _a.GetStatistics().TcpConnections); // in TIME-WAIT, holding no buffer
    }

    [Fact]
    public async Task HttpClient_ReachesAServerBehindThePeer_ByName_ThroughTheTunnel()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        await PingUntilAnsweredAsync(_a, B4);
        using TunnelUdpClient dns = _b.OpenUdp(53);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        _ = ServeDnsAsync(dns, stop.Token);
        using TunnelTcpListener web = _b.ListenTcp(80);
        Task server = ServeHttpOnceAsync(web, token);

        // db.corp.example resolves (through the tunnel) to Db4/Db6, which B does not have: point it at B instead.
        using var client = new HttpClient(_a.CreateHttpHandler());
        string body = await client.GetStringAsync($"http://{B4}/hello", token);
        await server;
        await stop.CancelAsync();

        Assert.Equal("hello through the tunnel: GET /hello", body);
    }

    [Fact]
    public async Task ConnectingToAClosedPort_IsRefused()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        await PingUntilAnsweredAsync(_a, B4);

        SocketException refused = await Assert.ThrowsAsync<SocketException>(() => _a.ConnectAsync(B4, 9, token));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal(SocketError.AddressAlreadyInUse, Assert.Throws<SocketException>(() =>
        {
            using TunnelTcpListener first = _b.ListenTcp(8080);
            using TunnelTcpListener second = _b.ListenTcp(8080);
        }).SocketErrorCode);
    }

    private static async Task EchoOnceAsync(TunnelTcpListener listener, CancellationToken cancellationToken)
    {
        await using TunnelTcpStream connection = await listener.AcceptAsync(cancellationToken);
        var buffer = new byte[32 * 1024];
        int read;
        while ((read = await connection.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await connection.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private static async Task ServeHttpOnceAsync(TunnelTcpListener listener, CancellationToken cancellationToken)
    {
        await using TunnelTcpStream connection = await listener.AcceptAsync(cancellationToken);
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await connection.ReadAsync(buffer, cancellationToken);
            Assert.True(read > 0, "the request ended early");
            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        string line = request.ToString()[..request.ToString().IndexOf('\r', StringComparison.Ordinal)];
        string body = $"hello through the tunnel: {line[..line.LastIndexOf(' ')]}";
        byte[] response = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n{body}");
        await connection.WriteAsync(response, cancellationToken);
    }

    /// <summary>A name server on the far stack: db.corp.example has one A and one AAAA record, every other name does not exist. Each real answer is preceded by a forged one.</summary>
    private static async Task ServeDnsAsync(TunnelUdpClient socket, CancellationToken cancellationToken)
    {
        var query = new byte[512];
        while (true)
        {
            TunnelUdpReceiveResult received = await socket.ReceiveFromAsync(query, cancellationToken);
            DnsRecordType type;
            bool known;
            int questionEnd;
            {
                Assert.True(DnsMessage.TryParse(query.AsSpan(0, received.ReceivedBytes), out DnsMessage message));
                Assert.True(message.TryGetQuestion(out DnsQuestion question));
                type = question.Type;
                known = question.Name.EqualsDotted("db.corp.example"u8);
                questionEnd = 12 + question.Name.WireLength + 4;
            }

            IPAddress address = type == DnsRecordType.A ? Db4 : Db6;
            byte[] forged = Answer(query.AsSpan(0, questionEnd), type, type == DnsRecordType.A ? IPAddress.Parse("203.0.113.66") : IPAddress.Parse("2001:db8::66"), known: true);
            forged[1] ^= 0x5A; // another id
            await socket.SendToAsync(forged, received.RemoteEndPoint, cancellationToken);
            await socket.SendToAsync(Answer(query.AsSpan(0, questionEnd), type, address, known), received.RemoteEndPoint, cancellationToken);
        }
    }

    private static byte[] Answer(ReadOnlySpan<byte> query, DnsRecordType type, IPAddress address, bool known)
    {
        byte[] data = address.GetAddressBytes();
        var answer = new List<byte>(query.ToArray());
        answer[2] = 0x81; // a response, recursion desired
        answer[3] = (byte)(known ? 0x80 : 0x83); // recursion available; NXDOMAIN when unknown
        answer[7] = (byte)(known ? 1 : 0);
        if (known)
        {
            var record = new byte[12 + data.Length];
            record[0] = 0xC0; // the question's name, by pointer
            record[1] = 12;
            BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(2), (ushort)type);
            BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(6), 60);
            BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(10), (ushort)data.Length);
            data.CopyTo(record, 12);
            answer.AddRange(record);
        }

        return [.. answer];
    }

    internal static async Task<TunnelPingReply> PingUntilAnsweredAsync(TunnelNetwork network, IPAddress target)
    {
        // The first ping starts the handshake; it may be lost while the session is being made.
        TunnelPingReply reply = null!;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            reply = await network.PingAsync(target, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            if (reply.Status == IPStatus.Success)
            {
                break;
            }
        }

        return reply;
    }

    private static PrivateKey NewKey(DeterministicEntropy entropy)
    {
        Span<byte> seed = stackalloc byte[32];
        entropy.Fill(seed);
        return PrivateKey.Create(seed);
    }
}
