using Tunnel.Core;

namespace Tunnel;

/// <summary>
/// The UDP socket that carries a device's WireGuard messages, batch-shaped so that an adapter can use
/// <c>recvmmsg</c>/<c>sendmmsg</c> or segmentation offloads without changing the engine.
/// </summary>
/// <remarks>
/// The engine calls <see cref="Receive"/> from one dedicated thread and <see cref="Send"/> from several;
/// an implementation must allow that. <see cref="IDisposable.Dispose"/> must wake a blocked
/// <see cref="Receive"/>, which then returns 0.
/// </remarks>
public interface IDatagramSocket : IDisposable
{
    /// <summary>The local UDP port the socket is bound to (never 0 once bound).</summary>
    ushort Port { get; }

    /// <summary>The most datagrams one <see cref="Receive"/> returns.</summary>
    int BatchSize { get; }

    /// <summary>
    /// Blocks until at least one datagram has arrived, then takes up to <see cref="BatchSize"/> of those
    /// already waiting, without blocking again.
    /// </summary>
    /// <param name="buffers">One buffer per datagram, each at least as large as the largest datagram expected.</param>
    /// <param name="sizes">Receives each datagram's length.</param>
    /// <param name="sources">Receives each datagram's source.</param>
    /// <returns>The number of datagrams received, or 0 once the socket is closed.</returns>
    int Receive(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, Span<UdpEndpoint> sources);

    /// <summary>
    /// Receives as <see cref="Receive"/> does, but lets the socket hand out a datagram where it already lies
    /// instead of copying it into a buffer (a datagram cut from a coalesced receive, for example). On entry
    /// <paramref name="datagrams"/> holds one buffer per datagram, as for <see cref="Receive"/>; on return entry
    /// <c>i</c> is exactly datagram <c>i</c>: a slice of the caller's buffer <c>i</c>, or memory the socket lends,
    /// writable, until the next receive call on this socket (the caller may decrypt in place there).
    /// </summary>
    /// <param name="datagrams">The caller's buffers in; the datagrams out.</param>
    /// <param name="sources">Receives each datagram's source.</param>
    /// <returns>The number of datagrams received, or 0 once the socket is closed.</returns>
    /// <remarks>The default receives into the caller's buffers and slices them; an adapter overrides it only to lend.</remarks>
    int ReceiveLeased(Span<Memory<byte>> datagrams, Span<UdpEndpoint> sources)
    {
        Span<int> sizes = datagrams.Length <= 256 ? stackalloc int[datagrams.Length] : new int[datagrams.Length];
        int count = Receive(datagrams, sizes, sources);
        for (int i = 0; i < count; i++)
        {
            datagrams[i] = datagrams[i][..sizes[i]];
        }

        return count;
    }

    /// <summary>Sets the firewall mark on every datagram sent from now on (Linux <c>SO_MARK</c>); 0 for none.</summary>
    /// <param name="mark">The mark.</param>
    /// <exception cref="System.Net.Sockets.SocketException">The system refuses the mark (it needs CAP_NET_ADMIN, and Linux).</exception>
    void SetFirewallMark(uint mark);

    /// <summary>
    /// Sends datagrams to one destination. A datagram the network refuses (unreachable, no buffer space) is
    /// lost, as UDP allows, and not reported as an exception.
    /// </summary>
    /// <param name="datagrams">The datagrams, each element exactly one.</param>
    /// <param name="destination">Where they go.</param>
    /// <returns>How many were handed to the network.</returns>
    int Send(ReadOnlySpan<ReadOnlyMemory<byte>> datagrams, UdpEndpoint destination);
}
