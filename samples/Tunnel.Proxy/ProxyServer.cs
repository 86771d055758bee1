using System.Net;
using System.Net.Sockets;

namespace Tunnel.Proxy;

/// <summary>
/// Accepts clients of one proxy protocol (SOCKS5, HTTP) on a local socket and relays each to a connection made by
/// <see cref="Connector"/> (through the tunnel). Bounded: at most <see cref="MaxClients"/> at once (more are closed at
/// once), and a client has <see cref="NegotiationTimeout"/> to say where to, so idle sockets cannot pile up.
/// </summary>
internal sealed class ProxyServer(IProxyProtocol protocol, Func<string, int, CancellationToken, Task<Stream>> connector) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;
    private Task? _accepting;
    private int _clients;

    public IProxyProtocol Protocol { get; } = protocol;

    public Func<string, int, CancellationToken, Task<Stream>> Connector { get; } = connector;

    public int MaxClients { get; init; } = 1024;

    public TimeSpan NegotiationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where it listens, once started.</summary>
    public IPEndPoint? LocalEndPoint => (IPEndPoint?)_listener?.LocalEndpoint;

    /// <summary>Clients relayed so far, for tests and logs.</summary>
    public int Served => Volatile.Read(ref _served);

    private int _served;

    /// <exception cref="SocketException">The address is in use, or not ours.</exception>
    public void Start(IPEndPoint endpoint)
    {
        _listener = new TcpListener(endpoint);
        _listener.Start();
        _accepting = AcceptLoopAsync(_listener, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        if (_accepting is not null)
        {
            await _accepting.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (Interlocked.Increment(ref _clients) > MaxClients)
            {
                Interlocked.Decrement(ref _clients);
                socket.Dispose();
                continue;
            }

            _ = ServeAsync(socket, cancellationToken);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            socket.NoDelay = true;
            await using var client = new NetworkStream(socket, ownsSocket: true);
            ProxyRequest? request;
            using (var negotiation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                negotiation.CancelAfter(NegotiationTimeout);
                request = await Protocol.NegotiateAsync(client, negotiation.Token).ConfigureAwait(false);
            }

            if (request is not { } target)
            {
                return;
            }

            Stream remote;
            try
            {
                using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                connecting.CancelAfter(TimeSpan.FromSeconds(60));
                remote = await Connector(target.Host, target.Port, connecting.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is SocketException or IOException or OperationCanceledException or ArgumentException)
            {
                await Protocol.ReplyFailedAsync(client, error, cancellationToken).ConfigureAwait(false);
                return;
            }

            await using (remote.ConfigureAwait(false))
            {
                await Protocol.ReplyConnectedAsync(client, target, (remote as Net.TunnelTcpStream)?.LocalEndPoint, cancellationToken).ConfigureAwait(false);
                if (!target.Forward.IsEmpty)
                {
                    await remote.WriteAsync(target.Forward, cancellationToken).ConfigureAwait(false);
                }

                Interlocked.Increment(ref _served);
                await Relay.RunAsync(client, socket, remote, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is IOException or SocketException or InvalidDataException or OperationCanceledException or EndOfStreamException or ObjectDisposedException)
        {
            // A client that went away, broke the protocol or took too long: its connection ends, the server goes on.
        }
        finally
        {
            Interlocked.Decrement(ref _clients);
        }
    }
}
