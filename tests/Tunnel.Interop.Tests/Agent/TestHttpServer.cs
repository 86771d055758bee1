using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>
/// An HTTP/1.1 server that answers every request with the client's address as the kernel saw it, then the
/// address the client reached: through the tunnel the first is the client's tunnel address, directly its
/// underlay address, so a request proves which way it went, and the second which DNS answer it used.
/// </summary>
internal sealed class TestHttpServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TestHttpServer(IPEndPoint endPoint)
    {
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endPoint);
        _listener.Listen(64);
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>Whom the server saw, one address per request, in order.</summary>
    public ConcurrentQueue<IPAddress> Clients { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client = await _listener.AcceptAsync(_stop.Token);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    Clients.Enqueue(((IPEndPoint)client.RemoteEndPoint!).Address);
                    var request = new StringBuilder();
                    byte[] buffer = new byte[4096];
                    while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        int read = await client.ReceiveAsync(buffer, SocketFlags.None);
                        if (read == 0)
                        {
                            return;
                        }

                        request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }

                    string body = $"{((IPEndPoint)client.RemoteEndPoint!).Address} {((IPEndPoint)client.LocalEndPoint!).Address}";
                    await client.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), SocketFlags.None);
                    client.Shutdown(SocketShutdown.Send);
                }
            });
        }
    }
}
