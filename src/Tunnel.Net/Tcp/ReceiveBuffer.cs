namespace Tunnel.Net.Tcp;

/// <summary>
/// A connection's receive side: the bytes in order that the application has not read yet, and after them, in the
/// same ring, segments that arrived out of order, kept as at most <see cref="MaxRanges"/> disjoint ranges and joined
/// to the in-order bytes once the gap before them fills. The window offered is the room after the unread bytes, or
/// none while the ring is not made and the stack's <see cref="TcpMemory"/> has no room for it.
/// </summary>
internal sealed class ReceiveBuffer(int capacity, TcpMemory memory)
{
    /// <summary>The most out-of-order ranges kept: a segment that would make more is dropped (the sender sends it again).</summary>
    public const int MaxRanges = 16;

    private readonly ByteRing _ring = new(capacity);
    private readonly List<(int Start, int End)> _ranges = new(MaxRanges + 1); // offsets after the in-order bytes
    private int _recent; // an offset inside the range the latest out-of-order segment joined

    public int Capacity => _ring.Capacity;

    /// <summary>In-order bytes the application can read.</summary>
    public int Readable { get; private set; }

    /// <summary>The window: room for bytes after the in-order ones; 0 while there is no memory for the ring.</summary>
    public int Window => _ring.IsAllocated || memory.Fits(_ring.Capacity) ? _ring.Capacity - Readable : 0;

    /// <summary>Whether the ring's array exists (and holds room in the stack's memory).</summary>
    public bool IsAllocated => _ring.IsAllocated;

    /// <summary>Whether out-of-order data waits for a gap to fill.</summary>
    public bool HasGaps => _ranges.Count > 0;

    /// <summary>
    /// Takes segment data that starts <paramref name="offset"/> bytes after the next byte expected (0: in order);
    /// what lies beyond the window is cut off.
    /// </summary>
    /// <returns>How many bytes became readable in order (the next expected byte moves on by as many).</returns>
    public int Insert(int offset, ReadOnlySpan<byte> data)
    {
        int window = Window;
        if (offset >= window || data.IsEmpty)
        {
            return 0;
        }

        data = data[..Math.Min(data.Length, window - offset)];
        if (!_ring.TryAllocate(memory))
        {
            return 0; // no memory since the window was offered: dropped, to be sent again
        }

        if (offset > 0 && !TryAddRange(offset, offset + data.Length))
        {
            return 0; // too fragmented: dropped, to be sent again
        }

        _ring.Write(Readable + offset, data);
        if (offset > 0)
        {
            return 0;
        }

        // In order: these bytes, and every out-of-order range they now reach.
        int end = data.Length;
        while (_ranges.Count > 0 && _ranges[0].Start <= end)
        {
            end = Math.Max(end, _ranges[0].End);
            _ranges.RemoveAt(0);
        }

        for (int i = 0; i < _ranges.Count; i++)
        {
            _ranges[i] = (_ranges[i].Start - end, _ranges[i].End - end);
        }

        _recent -= end;

        Readable += end;
        return end;
    }

    /// <summary>Lets the ring's array go (the connection will take no more and read no more); unread bytes are lost.</summary>
    public void Release()
    {
        _ring.Release(memory);
        _ranges.Clear();
        Readable = 0;
    }

    /// <summary>Copies up to <paramref name="destination"/>'s length of in-order bytes out and frees their room.</summary>
    public int Read(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, Readable);
        _ring.Read(0, destination[..count]);
        _ring.Advance(count);
        Readable -= count;
        return count;
    }

    /// <summary>
    /// Writes the out-of-order ranges as offsets after the next expected byte, start and end in turn, the one the
    /// latest segment joined first (RFC 2018 section 4), then the others in order.
    /// </summary>
    /// <returns>How many ranges were written.</returns>
    public int CopyRanges(Span<int> edges)
    {
        int count = 0;
        int recent = -1;
        for (int i = 0; i < _ranges.Count; i++)
        {
            if (_ranges[i].Start <= _recent && _recent < _ranges[i].End)
            {
                recent = i;
                break;
            }
        }

        if (recent >= 0 && edges.Length >= 2)
        {
            edges[0] = _ranges[recent].Start;
            edges[1] = _ranges[recent].End;
            count = 1;
        }

        for (int i = 0; i < _ranges.Count && (2 * count) + 1 < edges.Length; i++)
        {
            if (i != recent)
            {
                edges[2 * count] = _ranges[i].Start;
                edges[(2 * count) + 1] = _ranges[i].End;
                count++;
            }
        }

        return count;
    }

    private bool TryAddRange(int start, int end)
    {
        _recent = start;
        // Merge with every range it touches; keep the list sorted and disjoint.
        int i = 0;
        while (i < _ranges.Count && _ranges[i].End < start)
        {
            i++;
        }

        int j = i;
        while (j < _ranges.Count && _ranges[j].Start <= end)
        {
            start = Math.Min(start, _ranges[j].Start);
            end = Math.Max(end, _ranges[j].End);
            j++;
        }

        if (j == i && _ranges.Count == MaxRanges)
        {
            return false;
        }

        _ranges.RemoveRange(i, j - i);
        _ranges.Insert(i, (start, end));
        return true;
    }
}
