using Tunnel.Core;
using Tunnel.Testing.Internal;

namespace Tunnel.Testing;

/// <summary>A socket bound on an <see cref="InMemoryNetwork"/>.</summary>
public sealed class InMemoryDatagramSocket : IDatagramSocket
{
    private readonly InMemoryNetwork _network;
    private readonly PacketRing _received;
    private int _disposed;

    internal InMemoryDatagramSocket(InMemoryNetwork network, UdpEndpoint localEndpoint, PacketRing received)
    {
        _network = network;
        LocalEndpoint = localEndpoint;
        _received = received;
    }

    /// <summary>The address and port the socket is bound to.</summary>
    public UdpEndpoint LocalEndpoint { get; }

    /// <inheritdoc/>
    public ushort Port => LocalEndpoint.Port;

    /// <inheritdoc/>
    public int BatchSize => 64;

    /// <summary>The firewall mark last set (the in-memory network does not route by it).</summary>
    public uint FirewallMark { get; private set; }

    /// <inheritdoc/>
    public void SetFirewallMark(uint mark) => FirewallMark = mark;

    /// <inheritdoc/>
    public int Receive(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, Span<UdpEndpoint> sources) =>
        _received.ReadBatch(buffers[..Math.Min(buffers.Length, BatchSize)], sizes, sources, 0);

    /// <inheritdoc/>
    public int Send(ReadOnlySpan<ReadOnlyMemory<byte>> datagrams, UdpEndpoint destination)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return 0;
        }

        int sent = 0;
        foreach (ReadOnlyMemory<byte> datagram in datagrams)
        {
            _network.Deliver(datagram.Span, LocalEndpoint, destination);
            sent++; // like UDP: handed to the network, whether or not anyone receives it
        }

        return sent;
    }

    /// <summary>Unbinds the port and wakes a blocked <see cref="Receive"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _network.Unbind(this);
            _received.Close();
        }
    }

    internal bool Enqueue(ReadOnlySpan<byte> datagram, UdpEndpoint source) => _received.TryWrite(datagram, source, TimeSpan.Zero);
}
