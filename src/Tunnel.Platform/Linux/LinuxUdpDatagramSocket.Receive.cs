using System.Runtime.InteropServices;
using Tunnel.Core;
using Tunnel.Platform.Interop.Linux;
using Tunnel.Platform.Linux.Internal;
using static Tunnel.Platform.Interop.Linux.Interop;
using static Tunnel.Platform.Interop.Unix.Interop;

namespace Tunnel.Platform.Linux;

/// <summary>
/// Receive: <c>recvmmsg</c> straight into the caller's buffers; with GRO into 64 KiB slots whose coalesced
/// datagrams are then cut by the segment size the kernel reports, copied into the caller's buffers
/// (<see cref="Receive"/>) or lent where they lie (<see cref="ReceiveLeased"/>).
/// </summary>
public sealed partial class LinuxUdpDatagramSocket
{
    /// <summary>With GRO: the slots one <c>recvmmsg</c> fills, each large enough for a coalesced datagram.</summary>
    private const int CoalescedSlots = 8, CoalescedSlotSize = 65536;

    /// <summary>Room per message for a <c>UDP_GRO</c> control message (24 bytes) and an <c>IPV6_PKTINFO</c> one (40).</summary>
    private const int ReceiveControlStride = 64;

    private readonly MultiMessageHeader[] _receiveMessages;
    private readonly IOVector[] _receiveVectors;
    private readonly byte[] _receiveNames;
    private readonly byte[]? _receiveControl;
    private readonly byte[]? _coalesced;
    private readonly PendingDatagram[]? _pending;
    private readonly PinnedBuffers _receivePins = new(MaxBatch);
    private readonly int[] _leaseSizes = new int[MaxBatch];
    private int _pendingCount;
    private int _pendingNext;
    private long _truncated;
    private long _coalescedReceives;

    /// <summary>Received messages that held more than one datagram.</summary>
    internal long CoalescedReceives => Interlocked.Read(ref _coalescedReceives);

    /// <summary>Datagrams dropped because they did not fit the buffer they were received into.</summary>
    public long TruncatedDatagrams => Interlocked.Read(ref _truncated);

    /// <inheritdoc/>
    public int Receive(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, Span<UdpEndpoint> sources)
    {
        int limit = Math.Min(Math.Min(buffers.Length, sizes.Length), Math.Min(sources.Length, BatchSize));
        if (limit == 0)
        {
            return 0;
        }

        while (Volatile.Read(ref _disposed) == 0)
        {
            int count = ReceiveCoalescing ? ReceiveCoalesced(buffers, sizes, sources, limit) : ReceiveDirect(buffers, sizes, sources, limit);
            if (count != 0)
            {
                return Math.Max(count, 0); // a batch, or -1 for closed
            }
        }

        return 0;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// With GRO, each datagram is a slice of the slot its coalesced message landed in, so the 1.5 KB copy per
    /// datagram that <see cref="Receive"/> makes is gone (2.8 % of both cores in the lab's receiving daemon under
    /// one TCP stream, its largest cost after the AEAD). Without GRO, datagrams land in the caller's buffers.
    /// </remarks>
    public int ReceiveLeased(Span<Memory<byte>> datagrams, Span<UdpEndpoint> sources)
    {
        int limit = Math.Min(Math.Min(datagrams.Length, sources.Length), BatchSize);
        if (limit == 0)
        {
            return 0;
        }

        while (Volatile.Read(ref _disposed) == 0)
        {
            if (ReceiveCoalescing)
            {
                int filled = _pendingNext < _pendingCount ? 1 : FillPending();
                if (filled != 0)
                {
                    return filled < 0 ? 0 : LendPending(datagrams, sources, limit); // -1: closed
                }

                continue; // interrupted, or every message was truncated
            }

            int count = ReceiveDirect(datagrams, _leaseSizes, sources, limit);
            for (int i = 0; i < count; i++)
            {
                datagrams[i] = datagrams[i][.._leaseSizes[i]];
            }

            if (count != 0)
            {
                return Math.Max(count, 0); // a batch, or -1 for closed
            }
        }

        return 0;
    }

    private unsafe int ReceiveDirect(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, Span<UdpEndpoint> sources, int limit)
    {
        int slots = Math.Min(limit, _receiveMessages.Length);
        fixed (byte* names = _receiveNames)
        fixed (byte* control = _receiveControl)
        fixed (IOVector* vectors = _receiveVectors)
        fixed (MultiMessageHeader* messages = _receiveMessages)
        {
            try
            {
                for (int i = 0; i < slots; i++)
                {
                    vectors[i] = new IOVector { Base = _receivePins.Pin(buffers[i]), Length = (nuint)buffers[i].Length };
                    messages[i] = ReceiveSlot(i, names, control, vectors);
                }

                int received = ReceiveMessages(messages, slots);
                if (received < 0)
                {
                    return -1;
                }

                int count = 0;
                for (int i = 0; i < received; i++)
                {
                    if ((messages[i].Header.Flags & MSG_TRUNC) != 0)
                    {
                        Interlocked.Increment(ref _truncated);
                        continue;
                    }

                    if (count != i)
                    {
                        buffers[i].Span[..(int)messages[i].Length].CopyTo(buffers[count].Span); // close the gap a truncated datagram left
                    }

                    sizes[count] = (int)messages[i].Length;
                    sources[count++] = WithLocal(messages[i].Header, ReadName(names + (i * NameStride)));
                }

                return count;
            }
            finally
            {
                _receivePins.Release();
            }
        }
    }

    private int ReceiveCoalesced(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, Span<UdpEndpoint> sources, int limit)
    {
        if (_pendingNext == _pendingCount)
        {
            int filled = FillPending();
            if (filled <= 0)
            {
                return filled;
            }
        }

        return TakePending(buffers, sizes, sources, limit);
    }

    /// <summary>One <c>recvmmsg</c> into the coalescing slots, recorded as pending datagrams.</summary>
    /// <returns>The messages received (0 when interrupted or all were truncated), or -1 once the socket is closed.</returns>
    private unsafe int FillPending()
    {
        fixed (byte* names = _receiveNames)
        fixed (byte* control = _receiveControl)
        fixed (byte* slots = _coalesced)
        fixed (IOVector* vectors = _receiveVectors)
        fixed (MultiMessageHeader* messages = _receiveMessages)
        {
            int count = _receiveMessages.Length;
            for (int i = 0; i < count; i++)
            {
                vectors[i] = new IOVector { Base = slots + (i * CoalescedSlotSize), Length = CoalescedSlotSize };
                messages[i] = ReceiveSlot(i, names, control, vectors);
            }

            int received = ReceiveMessages(messages, count);
            if (received < 0)
            {
                return -1;
            }

            _pendingCount = 0;
            _pendingNext = 0;
            for (int i = 0; i < received; i++)
            {
                if ((messages[i].Header.Flags & MSG_TRUNC) != 0)
                {
                    Interlocked.Increment(ref _truncated);
                    continue;
                }

                int length = (int)messages[i].Length;
                int segment = ReadSegmentSize(messages[i].Header);
                UdpEndpoint source = WithLocal(messages[i].Header, ReadName(names + (i * NameStride)));
                if (segment > 0 && length > segment)
                {
                    _coalescedReceives++;
                }

                _pending![_pendingCount++] = new PendingDatagram(i * CoalescedSlotSize, length, segment > 0 ? segment : Math.Max(length, 1), source);
            }

            return _pendingCount;
        }
    }

    /// <summary>Hands out the pending datagrams as slices of the slots they lie in, as many as the caller takes.</summary>
    private int LendPending(Span<Memory<byte>> datagrams, Span<UdpEndpoint> sources, int limit)
    {
        int count = 0;
        while (_pendingNext < _pendingCount && count < limit)
        {
            ref PendingDatagram pending = ref _pending![_pendingNext];
            int length = Math.Min(pending.SegmentSize, pending.Remaining);
            datagrams[count] = _coalesced.AsMemory(pending.Offset, length);
            sources[count++] = pending.Source;
            pending.Offset += length;
            pending.Remaining -= length;
            if (pending.Remaining == 0)
            {
                _pendingNext++;
            }
        }

        return count;
    }

    /// <summary>Message <paramref name="i"/> of a receive: its address slot, its vector, and its control slot when there is one.</summary>
    private static unsafe MultiMessageHeader ReceiveSlot(int i, byte* names, byte* control, IOVector* vectors) => new()
    {
        Header = new MessageHeader
        {
            Name = names + (i * NameStride),
            NameLength = NameStride,
            Vectors = vectors + i,
            VectorCount = 1,
            Control = control == null ? null : control + (i * ReceiveControlStride),
            ControlLength = control == null ? 0u : ReceiveControlStride,
        },
    };

    /// <summary>Cuts the pending coalesced datagrams into the caller's buffers, as many as fit.</summary>
    private int TakePending(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, Span<UdpEndpoint> sources, int limit)
    {
        int count = 0;
        while (_pendingNext < _pendingCount && count < limit)
        {
            ref PendingDatagram pending = ref _pending![_pendingNext];
            int length = Math.Min(pending.SegmentSize, pending.Remaining);
            ReadOnlySpan<byte> segment = _coalesced.AsSpan(pending.Offset, length);
            if (segment.TryCopyTo(buffers[count].Span))
            {
                sizes[count] = length;
                sources[count++] = pending.Source;
            }
            else
            {
                Interlocked.Increment(ref _truncated);
            }

            pending.Offset += length;
            pending.Remaining -= length;
            if (pending.Remaining == 0)
            {
                _pendingNext++;
            }
        }

        return count;
    }

    /// <summary>One <c>recvmmsg</c>: blocks for the first datagram, then takes what is queued.</summary>
    /// <returns>The messages filled (0 when interrupted), or -1 once the socket is closed.</returns>
    /// <exception cref="IOException">The socket failed for good.</exception>
    private unsafe int ReceiveMessages(MultiMessageHeader* messages, int count)
    {
        int received;
        try
        {
            received = RecvMmsg(_socket.SafeHandle, messages, (uint)count, MSG_WAITFORONE, null);
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }

        int errno = received < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (Volatile.Read(ref _disposed) != 0)
        {
            return -1; // a shut-down socket reports an empty datagram, or an error
        }

        if (received >= 0)
        {
            return received;
        }

        if (errno is Errors.EBADF or Errors.EINVAL or Errors.EFAULT or Errors.ENOTSOCK)
        {
            throw new IOException($"Cannot receive on UDP port {Port}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
        }

        return 0; // EINTR, or an error reported for one datagram (ICMP feedback): try again
    }

    /// <summary>The source with the local address its datagram was sent to (its <c>IP_PKTINFO</c>/<c>IPV6_PKTINFO</c>), so replies can leave from it.</summary>
    private unsafe UdpEndpoint WithLocal(in MessageHeader header, UdpEndpoint source)
    {
        if (!_stickySource)
        {
            return source;
        }

        byte* data = FindControl(header, SOL_IP, IP_PKTINFO);
        if (data != null)
        {
            // struct in_pktinfo: ipi_ifindex, then ipi_spec_dst (the local address), then ipi_addr.
            source = source.WithLocal(new ReadOnlySpan<byte>(data + 4, 4), *(int*)data);
        }
        else if ((data = FindControl(header, SOL_IPV6, IPV6_PKTINFO)) != null)
        {
            // struct in6_pktinfo: the local address, then the interface index.
            source = source.WithLocal(new ReadOnlySpan<byte>(data, 16), *(int*)(data + 16));
        }
        else
        {
            return source;
        }

        if (Volatile.Read(ref _hasRefusedSource) != 0)
        {
            ForgiveSource(source); // a datagram reached that address: it is back
        }

        return source;
    }

    /// <summary>The data of the first control message of that level and type, or null.</summary>
    private static unsafe byte* FindControl(in MessageHeader header, int level, int type)
    {
        byte* at = header.Control;
        if (at == null)
        {
            return null;
        }

        byte* end = at + header.ControlLength;
        while (at + ControlMessageHeader.Size <= end)
        {
            ControlMessageHeader* message = (ControlMessageHeader*)at;
            if (message->Length < ControlMessageHeader.Size)
            {
                break;
            }

            if (message->Level == level && message->Type == type)
            {
                return at + ControlMessageHeader.Size;
            }

            at += ControlMessageHeader.Align((int)message->Length);
        }

        return null;
    }

    /// <summary>The <c>UDP_GRO</c> control message's segment size, or 0 when the datagram was not coalesced.</summary>
    private static unsafe int ReadSegmentSize(in MessageHeader header)
    {
        byte* data = FindControl(header, SOL_UDP, UDP_GRO);
        return data == null ? 0 : *(int*)data;
    }

    /// <summary>A received, possibly coalesced, datagram not yet handed over whole.</summary>
    private struct PendingDatagram(int offset, int remaining, int segmentSize, UdpEndpoint source)
    {
        public int Offset = offset;
        public int Remaining = remaining;
        public readonly int SegmentSize = segmentSize;
        public readonly UdpEndpoint Source = source;
    }
}
