namespace Tunnel.Net.Tcp;

/// <summary>
/// A fixed ring of bytes addressed by offset from its start: a connection's send buffer (the start is the oldest
/// unacknowledged byte) or receive buffer (the start is the oldest byte the application has not read). Its array is
/// made before the first write, within the stack's <see cref="TcpMemory"/>, so a half-open or idle connection costs
/// none of it, and let go when the connection no longer needs it; nothing on the data path allocates.
/// </summary>
internal sealed class ByteRing(int capacity)
{
    private byte[] _bytes = [];
    private int _start;

    public int Capacity { get; } = capacity;

    /// <summary>Whether the array exists.</summary>
    public bool IsAllocated => _bytes.Length > 0;

    /// <summary>Makes the array, when <paramref name="memory"/> has room for it (or it exists already).</summary>
    public bool TryAllocate(TcpMemory memory)
    {
        if (_bytes.Length > 0)
        {
            return true;
        }

        if (!memory.TryTake(Capacity))
        {
            return false;
        }

        _bytes = new byte[Capacity];
        return true;
    }

    /// <summary>Lets the array go and gives its room back to <paramref name="memory"/>; the ring is empty again.</summary>
    public void Release(TcpMemory memory)
    {
        if (_bytes.Length > 0)
        {
            _bytes = [];
            _start = 0;
            memory.Give(Capacity);
        }
    }

    /// <summary>Copies <paramref name="source"/> in at <paramref name="offset"/> bytes from the start (which, with its length, must lie within the capacity); the array must exist.</summary>
    public void Write(int offset, ReadOnlySpan<byte> source)
    {
        if ((uint)offset > (uint)Capacity || source.Length > Capacity - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        if (source.IsEmpty)
        {
            return;
        }

        if (_bytes.Length == 0)
        {
            throw new InvalidOperationException("The ring's array was not allocated.");
        }

        int position = (_start + offset) % _bytes.Length;
        int first = Math.Min(source.Length, _bytes.Length - position);
        source[..first].CopyTo(_bytes.AsSpan(position));
        source[first..].CopyTo(_bytes);
    }

    /// <summary>Copies the bytes at <paramref name="offset"/> from the start into <paramref name="destination"/>.</summary>
    public void Read(int offset, Span<byte> destination)
    {
        if ((uint)offset > (uint)Capacity || destination.Length > Capacity - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        if (destination.IsEmpty)
        {
            return;
        }

        int position = (_start + offset) % _bytes.Length;
        int first = Math.Min(destination.Length, _bytes.Length - position);
        _bytes.AsSpan(position, first).CopyTo(destination);
        _bytes.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
    }

    /// <summary>Moves the start forward by <paramref name="count"/> bytes (they were acknowledged, or read).</summary>
    public void Advance(int count) => _start = (_start + count) % Capacity;
}
