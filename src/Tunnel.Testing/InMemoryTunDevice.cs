using Tunnel.Testing.Internal;

namespace Tunnel.Testing;

/// <summary>
/// A TUN device in memory. The test plays the operating system: <see cref="TryInject"/> hands the tunnel a
/// packet to send (as an application's packet routed into the interface would be), and
/// <see cref="TryTake"/> receives what the tunnel delivered. Both queues are bounded and preallocated, so a
/// loop of packets allocates nothing.
/// </summary>
public sealed class InMemoryTunDevice : ITunDevice
{
    private readonly PacketRing _toTunnel;
    private readonly PacketRing _fromTunnel;
    private long _writeDrops;

    /// <summary>Creates a device.</summary>
    /// <param name="name">The interface name.</param>
    /// <param name="capacity">Packets each queue holds.</param>
    /// <param name="maxPacketSize">The largest packet either queue takes.</param>
    public InMemoryTunDevice(string name = "tun0", int capacity = 1024, int maxPacketSize = 1500)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _toTunnel = new PacketRing(capacity, maxPacketSize);
        _fromTunnel = new PacketRing(capacity, maxPacketSize);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int BatchSize => 64;

    /// <summary>
    /// The interface MTU the engine follows (0, the default, for "unknown": the tunnel options decide). Set it
    /// while the tunnel runs to do what <c>ip link set mtu</c> does to a real device; packets longer than the
    /// device's <c>maxPacketSize</c> are still refused by its queues.
    /// </summary>
    public int Mtu
    {
        get => Volatile.Read(ref _mtu);
        set => Volatile.Write(ref _mtu, value);
    }

    private int _mtu;

    /// <summary>Packets the tunnel wrote while the delivery queue was full (a real TUN queue drops them too).</summary>
    public long WriteDrops => Interlocked.Read(ref _writeDrops);

    /// <summary>Queues a packet for the tunnel to read, waiting up to <paramref name="timeout"/> for room.</summary>
    /// <param name="packet">An IPv4 or IPv6 packet.</param>
    /// <param name="timeout">How long to wait while the queue is full; zero for not at all.</param>
    /// <returns>Whether the packet was queued.</returns>
    public bool TryInject(ReadOnlySpan<byte> packet, TimeSpan timeout = default) => _toTunnel.TryWrite(packet, default, timeout);

    /// <summary>Takes the next packet the tunnel delivered, waiting up to <paramref name="timeout"/>.</summary>
    /// <param name="destination">Receives the packet.</param>
    /// <param name="length">The packet's length.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether a packet arrived in time.</returns>
    public bool TryTake(Span<byte> destination, out int length, TimeSpan timeout) => _fromTunnel.TryRead(destination, out length, timeout);

    /// <inheritdoc/>
    public int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset) =>
        _toTunnel.ReadBatch(buffers[..Math.Min(buffers.Length, BatchSize)], sizes, default, offset);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<Memory<byte>> packets, int offset)
    {
        foreach (Memory<byte> packet in packets)
        {
            if (!_fromTunnel.TryWrite(packet.Span[offset..], default, TimeSpan.Zero))
            {
                Interlocked.Increment(ref _writeDrops);
            }
        }
    }

    /// <summary>Closes both queues; a blocked <see cref="Read"/> returns 0.</summary>
    public void Dispose()
    {
        _toTunnel.Close();
        _fromTunnel.Close();
    }
}
