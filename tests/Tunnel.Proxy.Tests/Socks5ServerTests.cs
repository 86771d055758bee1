using System.Net;
using System.Net.Sockets;

namespace Tunnel.Proxy.Tests;

/// <summary>
/// The SOCKS5 server over an in-process tunnel to a far peer: HttpClient through it by name (resolved through the
/// tunnel), and the negotiation's refusals as RFC 1928 words them.
/// </summary>
public sealed class Socks5ServerTests : IAsyncLifetime
{
    private ProxyOverTunnel _proxy = null!;

    private ProxyServer Server => _proxy.Server;

    public async ValueTask InitializeAsync() => _proxy = await ProxyOverTunnel.StartAsync(Socks5Protocol.Instance, 41, TimeSpan.FromMilliseconds(500));

    public ValueTask DisposeAsync() => _proxy.DisposeAsync();

    [Fact]
    public async Task HttpClient_ThroughTheProxy_ReachesTheFarPeersServer_ByAName_TheTunnelResolves()
    {
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"socks5://{Server.LocalEndPoint}") });

        string body = await client.GetStringAsync("http://web.corp.example/hello", TestContext.Current.CancellationToken);

        Assert.Equal("far peer: GET /hello", body);
        Assert.Equal(1, Server.Served);
    }

    [Fact]
    public async Task AClientOfferingNoAcceptableMethod_IsToldSo()
    {
        using Socket socket = await ConnectAsync();
        await socket.SendAsync(new byte[] { 5, 1, 2 }, TestContext.Current.CancellationToken); // username/password only

        Assert.Equal(new byte[] { 5, 0xFF }, await ReceiveAsync(socket, 2));
    }

    [Theory]
    [InlineData(2, 5, 7)]  // BIND: command not supported
    [InlineData(3, 5, 7)]  // UDP ASSOCIATE: command not supported
    [InlineData(1, 9, 5)]  // CONNECT to a closed port of the far peer: connection refused
    public async Task ARequestThatCannotBeServed_GetsItsReplyCode(byte command, byte port, byte expected)
    {
        using Socket socket = await ConnectAsync();
        await socket.SendAsync(new byte[] { 5, 1, 0 }, TestContext.Current.CancellationToken);
        Assert.Equal(new byte[] { 5, 0 }, await ReceiveAsync(socket, 2));

        await socket.SendAsync(new byte[] { 5, command, 0, 1, 10, 97, 0, 2, 0, port }, TestContext.Current.CancellationToken);

        byte[] reply = await ReceiveAsync(socket, 10);
        Assert.Equal(5, reply[0]);
        Assert.Equal(expected, reply[1]);
    }

    [Fact]
    public async Task AClientThatSaysNothing_IsClosedAfterTheNegotiationTimeout()
    {
        using Socket socket = await ConnectAsync();
        var buffer = new byte[1];

        int read = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(0, read);
    }

    [Fact]
    public async Task NotSocks5_IsClosedWithoutAReply()
    {
        using Socket socket = await ConnectAsync();
        await socket.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
        var buffer = new byte[16];

        Assert.Equal(0, await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Server.LocalEndPoint!, TestContext.Current.CancellationToken);
        return socket;
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        int total = 0;
        while (total < count)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(total), TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.True(read > 0, $"closed after {total} of {count} bytes");
            total += read;
        }

        return buffer;
    }
}
