namespace Tunnel.Net.Tcp;

/// <summary>
/// A fixed ring of bytes addressed by offset from its start: a connection's send buffer (the start is the oldest
/// unacknowledged byte) or receive buffer (the start is the oldest byte the application has not read). Allocated
/// once; nothing on the data path allocates.
/// </summary>
internal sealed class ByteRing(int capacity)
{
    private readonly byte[] _bytes = new byte[capacity];
    private int _start;

    public int Capacity => _bytes.Length;

    /// <summary>Copies <paramref name="source"/> in at <paramref name="offset"/> bytes from the start (which, with its length, must lie within the capacity).</summary>
    public void Write(int offset, ReadOnlySpan<byte> source)
    {
        if ((uint)offset > (uint)_bytes.Length || source.Length > _bytes.Length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        int position = (_start + offset) % _bytes.Length;
        int first = Math.Min(source.Length, _bytes.Length - position);
        source[..first].CopyTo(_bytes.AsSpan(position));
        source[first..].CopyTo(_bytes);
    }

    /// <summary>Copies the bytes at <paramref name="offset"/> from the start into <paramref name="destination"/>.</summary>
    public void Read(int offset, Span<byte> destination)
    {
        if ((uint)offset > (uint)_bytes.Length || destination.Length > _bytes.Length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        int position = (_start + offset) % _bytes.Length;
        int first = Math.Min(destination.Length, _bytes.Length - position);
        _bytes.AsSpan(position, first).CopyTo(destination);
        _bytes.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
    }

    /// <summary>Moves the start forward by <paramref name="count"/> bytes (they were acknowledged, or read).</summary>
    public void Advance(int count) => _start = (_start + count) % _bytes.Length;
}
