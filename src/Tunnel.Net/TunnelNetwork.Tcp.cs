using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Tunnel.Net.Stack;
using Tunnel.Net.Tcp;

namespace Tunnel.Net;

public sealed partial class TunnelNetwork
{
    /// <summary>Opens a TCP connection through the tunnel.</summary>
    /// <param name="address">The peer's address.</param>
    /// <param name="port">The peer's port.</param>
    /// <param name="cancellationToken">Cancels connecting (the attempt is abandoned with a reset).</param>
    /// <returns>The connection, established.</returns>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.ConnectionRefused"/>: the peer answered with a reset; <see cref="SocketError.TimedOut"/>:
    /// no answer through every SYN retransmission; <see cref="SocketError.AddressFamilyNotSupported"/>: the interface has
    /// no address of that family; <see cref="SocketError.TooManyOpenSockets"/>: no port or connection slot is free.
    /// </exception>
    [SuppressMessage("ApiDesign", "RS0026", Justification = "The overloads of Socket.ConnectAsync, each with an optional token.")]
    public async Task<TunnelTcpStream> ConnectAsync(IPAddress address, int port, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        byte[] remote = address.IsIPv4MappedToIPv6 ? address.MapToIPv4().GetAddressBytes() : address.GetAddressBytes();
        var waiter = new ConnectWaiter();
        TcpConnection? connection = _device.Connect(remote, (ushort)port, waiter, out SendResult result);
        if (connection is null)
        {
            throw new SocketException((int)(result == SendResult.NoSourceAddress ? SocketError.AddressFamilyNotSupported : SocketError.TooManyOpenSockets));
        }

        try
        {
            while (true)
            {
                ValueTask wait;
                lock (_device.Gate)
                {
                    if (connection.IsEstablished)
                    {
                        return new TunnelTcpStream(_device, connection);
                    }

                    if (connection.State == TcpState.Closed)
                    {
                        throw new SocketException((int)(connection.Error == TcpConnectionError.Refused ? SocketError.ConnectionRefused : SocketError.TimedOut));
                    }

                    wait = waiter.Changed.WaitAsync(cancellationToken);
                }

                await wait.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            lock (_device.Gate)
            {
                connection.Abort();
                connection.Detach();
                _device.Changed(connection);
            }

            throw;
        }
    }

    /// <summary>Resolves <paramref name="host"/> through the tunnel (see <see cref="ResolveAsync"/>) and connects to its addresses in turn until one answers.</summary>
    /// <param name="host">A host name or address.</param>
    /// <param name="port">The peer's port.</param>
    /// <param name="cancellationToken">Cancels resolving and connecting.</param>
    /// <returns>The connection, established.</returns>
    /// <exception cref="SocketException">The name does not resolve, or no address accepted the connection (the last failure).</exception>
    [SuppressMessage("ApiDesign", "RS0026", Justification = "The overloads of Socket.ConnectAsync, each with an optional token.")]
    public async Task<TunnelTcpStream> ConnectAsync(string host, int port, CancellationToken cancellationToken = default)
    {
        IPAddress[] addresses = await ResolveAsync(host, AddressFamily.Unspecified, cancellationToken).ConfigureAwait(false);
        SocketException? last = null;
        foreach (IPAddress address in addresses)
        {
            try
            {
                return await ConnectAsync(address, port, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException error)
            {
                last = error;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>Listens on a TCP port of the stack, for peers that connect through the tunnel.</summary>
    /// <param name="port">The port.</param>
    /// <param name="backlog">Handshakes in progress and connections not yet accepted, together.</param>
    /// <returns>The listener; dispose it to stop.</returns>
    /// <exception cref="SocketException"><see cref="SocketError.AddressAlreadyInUse"/>: something listens there already.</exception>
    public TunnelTcpListener ListenTcp(int port, int backlog = 128)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 1);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new TunnelTcpListener(_device, (ushort)port, backlog);
    }

    /// <summary>
    /// A handler whose connections go through the tunnel, so that <c>new HttpClient(network.CreateHttpHandler())</c>
    /// reaches the peers' HTTP servers (names resolved through the tunnel's DNS). No proxy is used; HTTP/1.1 and HTTP/2
    /// over TLS work as over any stream, and so does HTTP/2 with prior knowledge, which gRPC without TLS uses:
    /// <c>GrpcChannel.ForAddress("http://service:50051", new GrpcChannelOptions { HttpHandler = network.CreateHttpHandler() })</c>.
    /// </summary>
    /// <returns>A new handler; the caller owns it (an <see cref="HttpClient"/> disposes it).</returns>
    public SocketsHttpHandler CreateHttpHandler() => new()
    {
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) => await ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false),
    };

    private sealed class ConnectWaiter : ITcpConnectionObserver
    {
        public SingleWaiter Changed { get; } = new();

        public void OnChanged(TcpConnection connection) => Changed.Signal();
    }
}
