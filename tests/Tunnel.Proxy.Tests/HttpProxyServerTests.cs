using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tunnel.Proxy.Tests;

/// <summary>
/// The HTTP proxy over an in-process tunnel to a far peer: HttpClient's plain-http requests forwarded in origin form,
/// CONNECT tunnels (with data sent early), the hop-by-hop headers kept from the far peer, and the refusals by status.
/// </summary>
public sealed class HttpProxyServerTests : IAsyncLifetime
{
    private ProxyOverTunnel _proxy = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private ProxyServer Server => _proxy.Server;

    public async ValueTask InitializeAsync() => _proxy = await ProxyOverTunnel.StartAsync(HttpProxyProtocol.Instance, 61, TimeSpan.FromSeconds(20));

    public ValueTask DisposeAsync() => _proxy.DisposeAsync();

    [Fact]
    public async Task HttpClient_ThroughTheProxy_ReachesTheFarPeersServer_ByAName_TheTunnelResolves()
    {
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{Server.LocalEndPoint}") });

        Assert.Equal("far peer: GET /hello?x=1", await client.GetStringAsync("http://web.corp.example/hello?x=1", Token));
        Assert.Equal("far peer: GET /again", await client.GetStringAsync("http://web.corp.example/again", Token));
        Assert.Equal(2, Server.Served);
    }

    [Fact]
    public async Task AForwardedRequest_LosesItsHopByHopHeaders_AndAsksToClose()
    {
        string response = await ExchangeAsync(
            "GET http://web.corp.example:80/headers HTTP/1.1\r\nHost: web.corp.example\r\nProxy-Connection: keep-alive\r\n" +
            "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nAccept: */*\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        string head = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal("GET /headers HTTP/1.1\r\nHost: web.corp.example\r\nAccept: */*\r\nConnection: close", head);
    }

    [Fact]
    public async Task Connect_OpensATunnel_AndCarriesWhatWasSentEarly()
    {
        string response = await ExchangeAsync("CONNECT web.corp.example:80 HTTP/1.1\r\nHost: web.corp.example:80\r\n\r\nGET /early HTTP/1.1\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nfar peer: GET /early", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CONNECT 10.97.0.2:9 HTTP/1.1\r\n\r\n", 502)] // nothing listens there: the far peer resets
    [InlineData("CONNECT nowhere.corp.example:80 HTTP/1.1\r\n\r\n", 502)] // the tunnel's DNS says no such name
    [InlineData("CONNECT web.corp.example HTTP/1.1\r\n\r\n", 400)] // no port
    [InlineData("CONNECT web.corp.example:0 HTTP/1.1\r\n\r\n", 400)]
    [InlineData("CONNECT [fd00::1:443 HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET /hello HTTP/1.1\r\nHost: web.corp.example\r\n\r\n", 400)] // origin form: not a proxy request
    [InlineData("GET https://web.corp.example/ HTTP/1.1\r\n\r\n", 400)] // https needs CONNECT
    [InlineData("GET http://user@web.corp.example/ HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET http://web.corp.example/ SPDY/3\r\n\r\n", 400)]
    public async Task ARequestThatCannotBeServed_GetsItsStatus(string request, int status)
    {
        string response = await ExchangeAsync(request);

        Assert.StartsWith($"HTTP/1.1 {status} ", response, StringComparison.Ordinal);
        Assert.Contains("tunnel-proxy: ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHeadLongerThanTheLimit_Gets431_WithoutWaitingForItsEnd()
    {
        string request = "GET http://web.corp.example/ HTTP/1.1\r\nX-Long: " + new string('a', HttpProxyProtocol.MaxHeadBytes) + "\r\n\r\n";

        Assert.StartsWith("HTTP/1.1 431 ", await ExchangeAsync(request), StringComparison.Ordinal);
    }

    /// <summary>Sends <paramref name="request"/> and reads until the proxy (or the far peer through it) closes.</summary>
    private async Task<string> ExchangeAsync(string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Server.LocalEndPoint!, Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), Token);
        var response = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        try
        {
            while ((read = await socket.ReceiveAsync(buffer, Token).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Token)) > 0)
            {
                response.Write(buffer, 0, read);
            }
        }
        catch (SocketException error) when (error.SocketErrorCode == SocketError.ConnectionReset)
        {
            // The proxy closed with a part of our long request unread: what it answered first is in hand.
        }

        return Encoding.ASCII.GetString(response.ToArray());
    }
}
