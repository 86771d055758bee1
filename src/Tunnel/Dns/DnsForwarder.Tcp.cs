using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
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
                _ = ServeTcpClientAsync(client, stopping);
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

    /// <summary>Answers length-prefixed queries on one connection in order (RFC 7766) until the client closes or idles.</summary>
    private async Task ServeTcpClientAsync(Socket client, CancellationToken stopping)
    {
        client.NoDelay = true;
        await using var stream = new NetworkStream(client, ownsSocket: true);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        byte[] response = Rent();
        try
        {
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                idle.CancelAfter(_options.TcpIdleTimeout);
                var result = await reader.ReadAsync(idle.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryReadMessage(ref buffer, out var message))
                {
                    Interlocked.Increment(ref _tcpQueries);
                    byte[] query = message.ToArray();
                    int answer = await ResolveAsync(query, response.AsMemory(2), overTcp: true, stopping).ConfigureAwait(false);
                    if (answer < 0)
                    {
                        // A malformed query on a stream leaves nothing to stay in step with.
                        return;
                    }

                    BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)answer);
                    await stream.WriteAsync(response.AsMemory(0, answer + 2), stopping).ConfigureAwait(false);
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
            // Idle, stopping, or the client went away.
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            Return(response);
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
