namespace Tunnel.Internal;

/// <summary>
/// Fixed-size packet buffers carved from one pinned slab: pinned so native I/O never needs to pin per call,
/// one slab so the buffers sit together and the GC never moves or scans them. Each buffer has
/// <see cref="HeadRoom"/> in front of the largest packet (the transport header, so a TUN read lands where
/// the seal runs in place) and <see cref="TailRoom"/> behind it (padding and the tag).
/// </summary>
internal sealed class PacketBufferPool
{
    /// <summary>The transport header: type, receiver index, counter (whitepaper 5.4.6).</summary>
    public const int HeadRoom = 16;

    /// <summary>Up to 15 bytes of padding to a multiple of 16, plus the 16-byte Poly1305 tag, rounded up.</summary>
    public const int TailRoom = 32;

    private readonly byte[] _slab;
    private readonly Stack<int> _free;

    public PacketBufferPool(int maxPacketSize, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPacketSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        // A cache-line multiple, so neighbouring buffers never share a line between two threads.
        MaxPacketSize = maxPacketSize;
        Count = count;
        BufferSize = (HeadRoom + maxPacketSize + TailRoom + 63) & ~63;
        _slab = GC.AllocateUninitializedArray<byte>(checked(BufferSize * count), pinned: true);
        _free = new Stack<int>(Enumerable.Range(0, count).Reverse());
    }

    /// <summary>The size of every buffer.</summary>
    public int BufferSize { get; }

    /// <summary>The largest packet a buffer holds between its head and tail room.</summary>
    public int MaxPacketSize { get; }

    /// <summary>How many buffers the pool was made with.</summary>
    public int Count { get; }

    /// <summary>Takes <paramref name="count"/> buffers, for a pump or batch that keeps them for its lifetime.</summary>
    /// <exception cref="InvalidOperationException">The pool has fewer left.</exception>
    public Memory<byte>[] RentBatch(int count)
    {
        lock (_free)
        {
            if (_free.Count < count)
            {
                throw new InvalidOperationException($"The packet buffer pool has {_free.Count} buffers left; {count} were asked for.");
            }

            var batch = new Memory<byte>[count];
            for (int i = 0; i < count; i++)
            {
                batch[i] = _slab.AsMemory(_free.Pop() * BufferSize, BufferSize);
            }

            return batch;
        }
    }
}
