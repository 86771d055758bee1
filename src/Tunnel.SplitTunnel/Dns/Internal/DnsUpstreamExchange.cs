using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Tunnel.Dns.Internal;

/// <summary>
/// One query to one upstream server. UDP goes out from a fresh socket, so every query has its own random
/// source port as well as the client's ID (RFC 5452's defence against forged answers); datagrams from
/// elsewhere or with another ID or question are ignored until the timeout. TCP is one connection per query.
/// </summary>
internal static class DnsUpstreamExchange
{
    internal const int MaxMessageLength = DnsTcpFraming.MaxMessageLength;

    /// <summary>Sends <paramref name="query"/> over UDP and returns the answer's length in <paramref name="response"/>, or -1 on timeout.</summary>
    internal static async ValueTask<int> ExchangeUdpAsync(ReadOnlyMemory<byte> query, IPEndPoint server, Memory<byte> response, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(server, deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(query, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            while (true)
            {
                int length = await socket.ReceiveAsync(response, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (Answers(query.Span, response.Span[..length]))
                {
                    return length;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return -1;
        }
        catch (SocketException)
        {
            // ICMP port unreachable surfaces as ConnectionRefused on a connected UDP socket: try the next server.
            return -1;
        }
    }

    /// <summary>Sends <paramref name="query"/> over TCP and returns the answer's length in <paramref name="response"/>, or -1 on failure.</summary>
    internal static async ValueTask<int> ExchangeTcpAsync(ReadOnlyMemory<byte> query, IPEndPoint server, Memory<byte> response, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(server, deadline.Token).ConfigureAwait(false);
            byte[] prefix = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)query.Length);
            await socket.SendAsync(prefix, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(query, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            if (!await ReceiveExactlyAsync(socket, prefix, deadline.Token).ConfigureAwait(false))
            {
                return -1;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
            if (length > response.Length || !await ReceiveExactlyAsync(socket, response[..length], deadline.Token).ConfigureAwait(false))
            {
                return -1;
            }

            return Answers(query.Span, response.Span[..length]) ? length : -1;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return -1;
        }
        catch (SocketException)
        {
            return -1;
        }
    }

    /// <summary>Whether <paramref name="response"/> is a response to <paramref name="query"/>: same ID, same first question.</summary>
    internal static bool Answers(ReadOnlySpan<byte> query, ReadOnlySpan<byte> response)
    {
        if (!DnsMessage.TryParse(response, out var answer, out _) || !answer.IsResponse
            || !DnsMessage.TryParse(query, out var asked, out _) || answer.Id != asked.Id)
        {
            return false;
        }

        return asked.TryGetQuestion(out var question) && answer.TryGetQuestion(out var answered)
            && question.Type == answered.Type && question.Class == answered.Class && question.Name.Equals(answered.Name);
    }

    private static async ValueTask<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
        }

        return true;
    }
}
