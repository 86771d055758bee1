using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Tunnel.Net.Stack;
using Tunnel.Net.Tcp;

namespace Tunnel.Net;

/// <summary>
/// A TCP connection through a <see cref="TunnelNetwork"/>, as a <see cref="Stream"/>: reads return what arrived in
/// order (0 once the peer closed its side), writes return once the bytes are in the send buffer (waiting while it is
/// full), <see cref="ShutdownWrite"/> half-closes, and disposing closes in order (a FIN after the bytes written; a
/// reset instead when unread bytes would be lost, as a socket does). A failed connection fails reads and writes with
/// an <see cref="IOException"/> whose inner <see cref="SocketException"/> says why.
/// </summary>
/// <remarks>One read and one write may be in progress at a time, as on a <see cref="NetworkStream"/>.</remarks>
public sealed class TunnelTcpStream : Stream, ITcpConnectionObserver
{
    private readonly StackDevice _device;
    private readonly TcpConnection _connection;
    private readonly SingleWaiter _readable = new();
    private readonly SingleWaiter _writable = new();
    private int _disposed;

    internal TunnelTcpStream(StackDevice device, TcpConnection connection)
    {
        _device = device;
        _connection = connection;
        lock (device.Gate)
        {
            connection.Observer = this;
        }

        LocalEndPoint = connection.Endpoints.LocalEndPoint;
        RemoteEndPoint = connection.Endpoints.RemoteEndPoint;
    }

    /// <summary>Our address and port on the tunnel.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The peer's address and port.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Why the connection failed; <see cref="TcpConnectionError.None"/> while it is well.</summary>
    public TcpConnectionError Error => _connection.Error;

    /// <inheritdoc/>
    public override bool CanRead => Volatile.Read(ref _disposed) == 0;

    /// <inheritdoc/>
    public override bool CanWrite => Volatile.Read(ref _disposed) == 0;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    internal TcpConnection Connection => _connection;

    /// <inheritdoc/>
    /// <remarks>A read that has to wait allocates nothing either: its state machine comes from a pool.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    [SuppressMessage("ApiDesign", "RS0027", Justification = "Stream's own signature, whose token is optional.")]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            ValueTask wait;
            lock (_device.Gate)
            {
                int read = _connection.Read(buffer.Span);
                if (read > 0)
                {
                    _device.Changed(_connection); // a window update, when the window grew enough to matter
                    return read;
                }

                if (_connection.ReadCompleted || _connection.State == TcpState.Closed)
                {
                    return EndOrFailure();
                }

                wait = _readable.WaitAsync(cancellationToken);
            }

            await wait.ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <remarks>A write that has to wait for room allocates nothing either: its state machine comes from a pool.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    [SuppressMessage("ApiDesign", "RS0027", Justification = "Stream's own signature, whose token is optional.")]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        while (!buffer.IsEmpty)
        {
            ValueTask wait;
            lock (_device.Gate)
            {
                if (!_connection.CanSend)
                {
                    throw Failure(_connection.Error == TcpConnectionError.None ? "The connection's sending side is closed." : null);
                }

                int written = _connection.Write(buffer.Span);
                buffer = buffer[written..];
                if (written > 0)
                {
                    _device.Changed(_connection);
                }

                if (buffer.IsEmpty)
                {
                    return;
                }

                wait = _writable.WaitAsync(cancellationToken);
            }

            await wait.ConfigureAwait(false);
        }
    }

    /// <summary>Half-closes: a FIN follows the bytes written; reading goes on until the peer closes its side.</summary>
    public void ShutdownWrite()
    {
        lock (_device.Gate)
        {
            _connection.Shutdown();
            _device.Changed(_connection);
        }
    }

    /// <summary>Ends the connection at once with a reset; bytes not yet acknowledged are lost.</summary>
    public void Abort()
    {
        lock (_device.Gate)
        {
            _connection.Abort();
            _device.Changed(_connection);
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Does nothing: written bytes are in the send buffer, on their way, as a socket's are.</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    void ITcpConnectionObserver.OnChanged(TcpConnection connection)
    {
        _readable.Signal();
        _writable.Signal();
    }

    /// <summary>Closes in order (a FIN after the bytes written), or with a reset when bytes arrived that were never read.</summary>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            lock (_device.Gate)
            {
                if (_connection.Readable > 0)
                {
                    _connection.Abort(); // RFC 9293 section 3.10.4 (and RFC 2525): unread data makes a close a reset
                }
                else
                {
                    _connection.Shutdown();
                }

                _connection.Detach();
                _device.Changed(_connection);
            }

            _readable.Fail(new ObjectDisposedException(nameof(TunnelTcpStream)));
            _writable.Fail(new ObjectDisposedException(nameof(TunnelTcpStream)));
        }

        base.Dispose(disposing);
    }

    private int EndOrFailure() => _connection.Error is TcpConnectionError.None ? 0 : throw Failure(null);

    private IOException Failure(string? message)
    {
        SocketError code = _connection.Error switch
        {
            TcpConnectionError.Refused => SocketError.ConnectionRefused,
            TcpConnectionError.Reset => SocketError.ConnectionReset,
            TcpConnectionError.TimedOut => SocketError.TimedOut,
            TcpConnectionError.Aborted => SocketError.ConnectionAborted,
            _ => SocketError.Shutdown,
        };
        var inner = new SocketException((int)code);
        return new IOException(message ?? $"The connection to {RemoteEndPoint} failed: {inner.Message}", inner);
    }
}
