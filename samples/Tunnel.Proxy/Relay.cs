using System.Net.Sockets;
using Tunnel.Net;

namespace Tunnel.Proxy;

/// <summary>Copies both ways between the client's socket and the tunnel connection until both sides have closed, passing each half-close on.</summary>
internal static class Relay
{
    public static async Task RunAsync(NetworkStream client, Socket clientSocket, Stream remote, CancellationToken cancellationToken)
    {
        Task up = CopyAsync(client, remote, () => (remote as TunnelTcpStream)?.ShutdownWrite(), cancellationToken);
        Task down = CopyAsync(remote, client, () => clientSocket.Shutdown(SocketShutdown.Send), cancellationToken);
        Task first = await Task.WhenAny(up, down).ConfigureAwait(false);
        if (first.IsFaulted)
        {
            // One side failed (a reset): the other cannot be completed; end both.
            (remote as TunnelTcpStream)?.Abort();
            clientSocket.Close(0);
        }

        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, Action closeWrite, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        closeWrite();
    }
}
