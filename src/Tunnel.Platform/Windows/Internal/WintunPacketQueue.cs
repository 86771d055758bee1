using static Tunnel.Platform.Interop.Windows.Interop.Errors;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>
/// The data path of a Wintun adapter over one session: reads take every packet queued in the receive ring, up
/// to a batch, copying each into the engine's buffer at its offset and releasing it at once (the ring reclaims
/// room in receive order, so nothing is held); when the ring is empty a read waits on the session's read event
/// and on this queue's own close event, never spinning. Writes allocate room in the send ring, copy, and send;
/// a full ring drops the packet and counts it, as a full NIC queue would.
/// </summary>
/// <remarks>
/// Closing signals the close event, then waits until no call is inside the session before ending it, because
/// Wintun forbids ending a session that a call is still using.
/// </remarks>
internal sealed unsafe class WintunPacketQueue : IDisposable
{
    /// <summary>The most packets in a read batch.</summary>
    public const int MaxBatch = 128;

    private readonly IWintunSession _session;
    private readonly ManualResetEvent _closed = new(false);
    private readonly WaitHandle[] _waits;
    private int _inside;
    private int _disposed;
    private long _readErrors;
    private long _writeErrors;
    private int _mtu;

    public WintunPacketQueue(IWintunSession session, string name, int mtu)
    {
        _session = session;
        _waits = [session.ReadWait, _closed];
        Name = name;
        Mtu = mtu;
    }

    public string Name { get; }

    /// <summary>The adapter's MTU, kept current by <see cref="WindowsMtuWatcher"/> when the device follows it.</summary>
    public int Mtu
    {
        get => Volatile.Read(ref _mtu);
        set => Volatile.Write(ref _mtu, value);
    }

    /// <summary>Packets dropped on read: larger than the buffer the engine gave.</summary>
    public long ReadErrors => Interlocked.Read(ref _readErrors);

    /// <summary>Packets dropped on write: the send ring full, or too large for Wintun.</summary>
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    public int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset)
    {
        int limit = Math.Min(Math.Min(buffers.Length, sizes.Length), MaxBatch);

        // Inside the session for the wait too: the read event belongs to the session, which must outlive the wait.
        if (!Enter())
        {
            return 0;
        }

        try
        {
            while (true)
            {
                int count = 0;
                int error = ReceiveQueued(buffers, sizes, offset, limit, ref count);
                if (count > 0)
                {
                    return count;
                }

                switch (error)
                {
                    case ERROR_NO_MORE_ITEMS:
                        if (WaitHandle.WaitAny(_waits) == 1)
                        {
                            return 0;
                        }

                        continue;
                    case ERROR_HANDLE_EOF when Volatile.Read(ref _disposed) != 0:
                        return 0;
                    case ERROR_HANDLE_EOF:
                        throw new IOException($"The Wintun adapter {Name} is gone: it was removed, or its driver stopped.");
                    case ERROR_INVALID_DATA:
                        throw new IOException($"The Wintun adapter {Name}'s receive ring is corrupt.");
                    default:
                        throw new IOException($"Cannot read from the Wintun adapter {Name}: Win32 error {error}.");
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    public void Write(ReadOnlySpan<Memory<byte>> packets, int offset)
    {
        if (!Enter())
        {
            return;
        }

        try
        {
            foreach (Memory<byte> packet in packets)
            {
                ReadOnlySpan<byte> bytes = packet.Span[offset..];
                if (bytes.IsEmpty)
                {
                    continue;
                }

                if (bytes.Length > ushort.MaxValue)
                {
                    Interlocked.Increment(ref _writeErrors); // WINTUN_MAX_IP_PACKET_SIZE
                    continue;
                }

                int error = _session.Allocate((uint)bytes.Length, out byte* room);
                if (error == ERROR_SUCCESS)
                {
                    bytes.CopyTo(new Span<byte>(room, bytes.Length));
                    _session.Send(room);
                }
                else if (error == ERROR_HANDLE_EOF)
                {
                    throw new IOException($"The Wintun adapter {Name} is gone: it was removed, or its driver stopped.");
                }
                else
                {
                    Interlocked.Increment(ref _writeErrors); // ERROR_BUFFER_OVERFLOW: the ring is full
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Wakes a blocked <see cref="Read"/> (which returns 0), waits for calls in the session to leave, and ends it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _closed.Set();
        var spin = default(SpinWait);
        while (Volatile.Read(ref _inside) != 0)
        {
            spin.SpinOnce();
        }

        _session.Dispose();
    }

    private int ReceiveQueued(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset, int limit, ref int count)
    {
        while (count < limit)
        {
            int error = _session.Receive(out byte* packet, out uint size);
            if (error != ERROR_SUCCESS)
            {
                return error;
            }

            try
            {
                Span<byte> target = buffers[count].Span[offset..];
                if (size > (uint)target.Length)
                {
                    Interlocked.Increment(ref _readErrors); // larger than the MTU allows: dropped, never cut
                    continue;
                }

                new ReadOnlySpan<byte>(packet, (int)size).CopyTo(target);
                sizes[count++] = (int)size;
            }
            finally
            {
                _session.Release(packet);
            }
        }

        return ERROR_SUCCESS;
    }

    private bool Enter()
    {
        Interlocked.Increment(ref _inside);
        if (Volatile.Read(ref _disposed) == 0)
        {
            return true;
        }

        Interlocked.Decrement(ref _inside);
        return false;
    }

    private void Exit() => Interlocked.Decrement(ref _inside);
}
