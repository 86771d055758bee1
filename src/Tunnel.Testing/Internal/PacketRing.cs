using Tunnel.Core;

namespace Tunnel.Testing.Internal;

/// <summary>
/// A bounded queue of packets in preallocated slots, with blocking and non-blocking ends: what a kernel
/// queue between a device and its reader is, without allocating per packet.
/// </summary>
internal sealed class PacketRing
{
    private readonly object _gate = new(); // Monitor.Wait needs a monitor, not a Lock
    private readonly byte[][] _slots;
    private readonly int[] _lengths;
    private readonly UdpEndpoint[] _sources;
    private int _head;
    private int _count;
    private bool _closed;

    public PacketRing(int capacity, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _slots = new byte[capacity][];
        for (int i = 0; i < capacity; i++)
        {
            _slots[i] = new byte[slotSize];
        }

        _lengths = new int[capacity];
        _sources = new UdpEndpoint[capacity];
    }

    public int SlotSize => _slots[0].Length;

    /// <summary>Appends a packet; false when the ring is full, closed, or the packet exceeds a slot.</summary>
    public bool TryWrite(ReadOnlySpan<byte> packet, UdpEndpoint source, TimeSpan timeout)
    {
        if (packet.Length > SlotSize)
        {
            return false;
        }

        lock (_gate)
        {
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (_count == _slots.Length && !_closed)
            {
                long left = deadline - Environment.TickCount64;
                if (timeout <= TimeSpan.Zero || left <= 0)
                {
                    return false;
                }

                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(left));
            }

            if (_closed)
            {
                return false;
            }

            int tail = (_head + _count) % _slots.Length;
            packet.CopyTo(_slots[tail]);
            _lengths[tail] = packet.Length;
            _sources[tail] = source;
            _count++;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Blocks until at least one packet is queued, then takes up to the batch; 0 once closed and empty.</summary>
    public int ReadBatch(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, Span<UdpEndpoint> sources, int offset)
    {
        lock (_gate)
        {
            while (_count == 0 && !_closed)
            {
                Monitor.Wait(_gate);
            }

            int taken = 0;
            while (_count > 0 && taken < buffers.Length)
            {
                // As read(2) and recvmsg(2) do: what does not fit the buffer is cut off, and the length says so.
                Span<byte> destination = buffers[taken].Span[offset..];
                int length = Math.Min(_lengths[_head], destination.Length);
                _slots[_head].AsSpan(0, length).CopyTo(destination);
                sizes[taken] = length;
                if (!sources.IsEmpty)
                {
                    sources[taken] = _sources[_head];
                }

                _head = (_head + 1) % _slots.Length;
                _count--;
                taken++;
            }

            Monitor.PulseAll(_gate);
            return taken;
        }
    }

    /// <summary>Takes one packet, waiting up to <paramref name="timeout"/>.</summary>
    public bool TryRead(Span<byte> destination, out int length, TimeSpan timeout)
    {
        lock (_gate)
        {
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (_count == 0)
            {
                long left = deadline - Environment.TickCount64;
                if (_closed || timeout <= TimeSpan.Zero || left <= 0)
                {
                    length = 0;
                    return false;
                }

                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(left));
            }

            length = _lengths[_head];
            if (length > destination.Length)
            {
                throw new ArgumentException($"The next packet is {length} bytes; the destination holds {destination.Length}.", nameof(destination));
            }

            _slots[_head].AsSpan(0, length).CopyTo(destination);
            _head = (_head + 1) % _slots.Length;
            _count--;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }
}
