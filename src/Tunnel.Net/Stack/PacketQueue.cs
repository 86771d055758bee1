namespace Tunnel.Net.Stack;

/// <summary>
/// A bounded first-in first-out queue of packets in slots allocated once, so that queueing and taking packets
/// allocates nothing. Not thread-safe: its owner serialises access.
/// </summary>
internal sealed class PacketQueue
{
    private readonly byte[][] _slots;
    private readonly int[] _lengths;
    private int _head;

    /// <param name="capacity">The most packets held.</param>
    /// <param name="maxPacketSize">The largest packet.</param>
    public PacketQueue(int capacity, int maxPacketSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, 1);
        _slots = new byte[capacity][];
        for (int i = 0; i < capacity; i++)
        {
            _slots[i] = new byte[maxPacketSize];
        }

        _lengths = new int[capacity];
        MaxPacketSize = maxPacketSize;
    }

    public int Count { get; private set; }

    public int Capacity => _slots.Length;

    public int MaxPacketSize { get; }

    /// <summary>The next free slot, to write a packet into before <see cref="Commit"/>; empty when the queue is full.</summary>
    public Span<byte> Reserve() => Count == _slots.Length ? default : _slots[(_head + Count) % _slots.Length];

    /// <summary>Queues the packet written into the slot <see cref="Reserve"/> gave.</summary>
    public void Commit(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxPacketSize);
        if (Count == _slots.Length)
        {
            throw new InvalidOperationException("The queue is full: Reserve returned no slot.");
        }

        _lengths[(_head + Count) % _slots.Length] = length;
        Count++;
    }

    /// <summary>Copies the oldest packet into <paramref name="destination"/> and removes it.</summary>
    /// <returns>Its length, or -1 when the queue is empty.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the packet; the packet stays queued.</exception>
    public int Dequeue(Span<byte> destination)
    {
        if (Count == 0)
        {
            return -1;
        }

        int length = _lengths[_head];
        if (destination.Length < length)
        {
            throw new ArgumentException($"The buffer holds {destination.Length} bytes; the packet has {length}.", nameof(destination));
        }

        _slots[_head].AsSpan(0, length).CopyTo(destination);
        _head = (_head + 1) % _slots.Length;
        Count--;
        return length;
    }
}
