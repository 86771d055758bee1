using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Tunnel.Dns;

public sealed partial class DnsForwarder
{
    private async Task RunTcpAsync(Socket listener, CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
                if (!TryAdmit(client, out var address))
                {
                    // Closed at once, so a flood of connections holds no descriptor beyond the accept.
                    Abort(client);
                    continue;
                }

                _ = ServeTcpClientAsync(client, address, stopping);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException && stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            Log.LoopFailed(_logger, exception, "TCP");
        }
    }

    /// <summary>Whether a new connection is served: a local client, under the total and the per-client caps (the slots are taken when it is).</summary>
    private bool TryAdmit(Socket client, out IPAddress address)
    {
        address = client.RemoteEndPoint is IPEndPoint remote ? remote.Address : IPAddress.None;
        if (!IsAllowedClient(address))
        {
            return false;
        }

        if (Interlocked.Increment(ref _tcpConnections) > _options.MaxTcpConnections)
        {
            Interlocked.Decrement(ref _tcpConnections);
            Interlocked.Increment(ref _connectionsRejected);
            return false;
        }

        if (!_connectionsByClient.TryAcquire(address))
        {
            Interlocked.Decrement(ref _tcpConnections);
            Interlocked.Increment(ref _connectionsRejected);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Answers length-prefixed queries on one connection in order (RFC 7766) until the client closes, or does
    /// not deliver its next whole query within the idle timeout (a byte at a time does not extend it), or
    /// does not take an answer within the write timeout.
    /// </summary>
    private async Task ServeTcpClientAsync(Socket client, IPAddress address, CancellationToken stopping)
    {
        var time = _options.TimeProvider;
        client.NoDelay = true;
        var stream = new NetworkStream(client, ownsSocket: true);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        byte[] response = Rent();
        CancellationTokenSource? idle = null;
        CancellationTokenSource? reading = null;
        try
        {
            while (true)
            {
                // The idle clock starts when the connection opens or an answer has gone, and only a whole
                // query stops it: partial reads do not restart it.
                if (idle is null)
                {
                    idle = new CancellationTokenSource(_options.TcpIdleTimeout, time);
                    reading = CancellationTokenSource.CreateLinkedTokenSource(stopping, idle.Token);
                }

                var result = await reader.ReadAsync(reading!.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryReadMessage(ref buffer, out var message))
                {
                    reading?.Dispose();
                    idle?.Dispose();
                    (reading, idle) = (null, null);
                    Interlocked.Increment(ref _tcpQueries);
                    byte[] query = message.ToArray();
                    int answer;
                    if (TryEnterQuery(address))
                    {
                        try
                        {
                            answer = await ResolveAsync(query, response.AsMemory(2), overTcp: true, stopping).ConfigureAwait(false);
                        }
                        finally
                        {
                            ExitQuery(address);
                        }
                    }
                    else
                    {
                        // Over the caps: a stream cannot drop one query and stay in step, so it is refused now.
                        answer = DnsMessageWriter.TryWriteErrorResponse(query, DnsResponseCode.ServerFailure, response.AsSpan(2), out int written) ? written : -1;
                    }

                    if (answer < 0)
                    {
                        // A malformed query on a stream leaves nothing to stay in step with.
                        return;
                    }

                    BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)answer);
                    using (var write = new CancellationTokenSource(_options.TcpWriteTimeout, time))
                    using (var writing = CancellationTokenSource.CreateLinkedTokenSource(stopping, write.Token))
                    {
                        await stream.WriteAsync(response.AsMemory(0, answer + 2), writing.Token).ConfigureAwait(false);
                    }
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Idle, too slow to read, stopping, or the client went away.
            if (!stopping.IsCancellationRequested && exception is OperationCanceledException)
            {
                Interlocked.Increment(ref _tcpTimeouts);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            // An abortive close: a client that never reads leaves no unsent answer holding the socket open.
            SetAbortive(client);
            await stream.DisposeAsync().ConfigureAwait(false);
            reading?.Dispose();
            idle?.Dispose();
            Return(response);
            _connectionsByClient.Release(address);
            Interlocked.Decrement(ref _tcpConnections);
        }
    }

    private static void Abort(Socket socket)
    {
        SetAbortive(socket);
        socket.Dispose();
    }

    private static void SetAbortive(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Already gone: nothing is left to linger.
        }
    }

    private static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message)
    {
        message = default;
        if (buffer.Length < 2)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[2];
        buffer.Slice(0, 2).CopyTo(prefix);
        int length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        if (buffer.Length < 2 + length)
        {
            return false;
        }

        message = buffer.Slice(2, length);
        buffer = buffer.Slice(2 + length);
        return true;
    }
}
