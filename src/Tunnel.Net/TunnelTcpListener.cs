using System.Net.Sockets;
using System.Threading.Channels;
using Tunnel.Net.Stack;
using Tunnel.Net.Tcp;

namespace Tunnel.Net;

/// <summary>
/// A listening TCP port on the tunnel's side of a <see cref="TunnelNetwork"/>: peers connect to any of the interface's
/// addresses on it. Handshakes in progress and connections not yet accepted together are bounded by the backlog; a
/// SYN beyond it is dropped and counted, so a flood of SYNs cannot exhaust memory, and the peers that mean it retry.
/// </summary>
public sealed class TunnelTcpListener : IDisposable
{
    private readonly StackDevice _device;
    private readonly Backlog _backlog;
    private int _disposed;

    internal TunnelTcpListener(StackDevice device, ushort port, int backlog)
    {
        _device = device;
        _backlog = new Backlog(backlog);
        if (!device.Listen(port, _backlog))
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }

        LocalPort = port;
    }

    /// <summary>The port listened on.</summary>
    public int LocalPort { get; }

    /// <summary>Waits for the next connection that completed its handshake.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The connection, as a stream.</returns>
    /// <exception cref="ObjectDisposedException">The listener was disposed.</exception>
    public async ValueTask<TunnelTcpStream> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        while (true)
        {
            TcpConnection connection;
            try
            {
                connection = await _backlog.Accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                throw new ObjectDisposedException(nameof(TunnelTcpListener));
            }

            lock (_device.Gate)
            {
                _backlog.Queued--;
                if (connection.State == TcpState.Closed && connection.Readable == 0)
                {
                    continue; // reset before it was accepted
                }
            }

            return new TunnelTcpStream(_device, connection);
        }
    }

    /// <summary>Stops listening; connections not yet accepted are reset, those accepted stay.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _device.StopListening((ushort)LocalPort, _backlog);
        _backlog.Accepted.Writer.TryComplete();
        lock (_device.Gate)
        {
            while (_backlog.Accepted.Reader.TryRead(out TcpConnection? left))
            {
                left.Abort();
                left.Detach();
                _device.Changed(left);
            }
        }
    }

    /// <summary>The stack's side, called under its lock.</summary>
    private sealed class Backlog(int capacity) : ITcpListener
    {
        private int _handshaking;

        public Channel<TcpConnection> Accepted { get; } = Channel.CreateUnbounded<TcpConnection>(new UnboundedChannelOptions { SingleWriter = true });

        public int Queued { get; set; }

        public bool CanAccept => _handshaking + Queued < capacity;

        public void OnHandshakeStarted(TcpConnection connection) => _handshaking++;

        public void OnHandshakeEnded(TcpConnection connection, bool established)
        {
            _handshaking--;
            if (established && Accepted.Writer.TryWrite(connection))
            {
                Queued++;
            }
        }
    }
}
