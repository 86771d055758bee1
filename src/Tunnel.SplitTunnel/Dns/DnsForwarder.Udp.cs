using System.Net;
using System.Net.Sockets;

namespace Tunnel.Dns;

public sealed partial class DnsForwarder
{
    private async Task RunUdpAsync(Socket socket, CancellationToken stopping)
    {
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        byte[] receive = Rent();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                SocketReceiveFromResult received;
                try
                {
                    received = await socket.ReceiveFromAsync(receive, SocketFlags.None, any, stopping).ConfigureAwait(false);
                }
                catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
                {
                    // An ICMP error for an earlier answer; the socket is still good.
                    continue;
                }

                Interlocked.Increment(ref _udpQueries);
                var client = ((IPEndPoint)received.RemoteEndPoint).Address;
                if (!IsAllowedClient(client) || !TryEnterQuery(client))
                {
                    continue;
                }

                byte[] query = Rent();
                receive.AsSpan(0, received.ReceivedBytes).CopyTo(query);
                _ = AnswerUdpAsync(socket, query, received.ReceivedBytes, received.RemoteEndPoint, stopping);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException && stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            Log.LoopFailed(_logger, exception, "UDP");
        }
        finally
        {
            Return(receive);
        }
    }

    private async Task AnswerUdpAsync(Socket socket, byte[] query, int length, EndPoint client, CancellationToken stopping)
    {
        byte[] response = Rent();
        try
        {
            int answer = await ResolveAsync(query.AsMemory(0, length), response, overTcp: false, stopping).ConfigureAwait(false);
            if (answer > 0)
            {
                await socket.SendToAsync(response.AsMemory(0, answer), SocketFlags.None, client, stopping).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping, or the client went away: nothing to answer.
        }
        finally
        {
            Return(response);
            Return(query);
            ExitQuery(((IPEndPoint)client).Address);
        }
    }
}
