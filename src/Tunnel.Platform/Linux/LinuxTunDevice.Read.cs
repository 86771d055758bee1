using System.Runtime.InteropServices;
using Tunnel.Platform.Offloads;
using Posix = Tunnel.Platform.Interop.Unix.Interop;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux;

/// <summary>Reads: straight into the caller's buffers, or with offloads through a staging buffer that is split.</summary>
public sealed partial class LinuxTunDevice
{
    /// <summary>With offloads: where a read lands (virtio header, then up to 64 KiB).</summary>
    private readonly byte[]? _readStaging;

    /// <summary>The super-packet in <see cref="_readStaging"/> whose later segments did not fit the last batch.</summary>
    private GsoSegments _pending;
    private int _pendingLength;
    private int _pendingNext;
    private long _superPacketsRead;

    /// <summary>Whether segments of the last super-packet wait for the next read.</summary>
    private bool HasPending => _readStaging is not null && _pendingNext < _pending.Count;

    /// <summary>Reads that were segmentation-offload super-packets of more than one segment.</summary>
    internal long SuperPacketsRead => Interlocked.Read(ref _superPacketsRead);

    /// <inheritdoc/>
    public int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset)
    {
        int limit = Math.Min(Math.Min(buffers.Length, sizes.Length), BatchSize);
        int count = _readStaging is null ? 0 : TakePending(buffers, sizes, offset, limit);
        while (count < limit)
        {
            if (HasPending)
            {
                return count; // a packet waits for buffers that fit the new MTU: the caller reads Mtu and comes back
            }

            // Block only for the first packet of a batch; the rest is whatever is already queued. A change of the
            // MTU ends the wait too (0 with Mtu changed), so the caller can size its buffers before the next packet.
            if (count == 0 && !WaitReadable())
            {
                return 0;
            }

            int read = _readStaging is null ? ReadPlain(buffers, sizes, offset, limit, count) : ReadSegmented(buffers, sizes, offset, limit, count);
            if (read < 0 || read > 0)
            {
                return Math.Max(read, count); // a batch, or the device closed meanwhile
            }
        }

        return count;
    }

    /// <summary>Reads packets, one per buffer, until none is queued or the batch is full.</summary>
    /// <returns>The batch's new count, or -1 when the device was closed meanwhile.</returns>
    private unsafe int ReadPlain(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset, int limit, int count)
    {
        while (count < limit)
        {
            Span<byte> target = buffers[count].Span[offset..];
            nint read;
            fixed (byte* pointer = target)
            {
                read = Posix.Read(_device, pointer, (nuint)target.Length);
            }

            if (read >= 0)
            {
                sizes[count++] = (int)read;
                continue;
            }

            if (!ShouldRetryRead(Marshal.GetLastPInvokeError(), out bool stop))
            {
                return stop ? -1 : count;
            }
        }

        return count;
    }

    /// <summary>Reads into the staging buffer and splits each read into the batch, until none is queued or the batch is full.</summary>
    /// <returns>The batch's new count, or -1 when the device was closed meanwhile.</returns>
    private unsafe int ReadSegmented(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset, int limit, int count)
    {
        byte[] staging = _readStaging!;
        while (count < limit)
        {
            nint read;
            fixed (byte* pointer = staging)
            {
                read = Posix.Read(_device, pointer, (nuint)staging.Length);
            }

            if (read < 0)
            {
                if (!ShouldRetryRead(Marshal.GetLastPInvokeError(), out bool stop))
                {
                    return stop ? -1 : count;
                }

                continue;
            }

            if (read < VirtioNetHeader.Size)
            {
                Interlocked.Increment(ref _readErrors);
                continue;
            }

            VirtioNetHeader header = VirtioNetHeader.Read(staging);
            Span<byte> packet = staging.AsSpan(VirtioNetHeader.Size, (int)read - VirtioNetHeader.Size);
            if (!GsoSegments.TryCreate(header, packet, out _pending, out _))
            {
                Interlocked.Increment(ref _readErrors);
                continue;
            }

            if (_pending.Count > 1)
            {
                _superPacketsRead++;
            }

            _pendingLength = packet.Length;
            _pendingNext = 0;
            count += TakePending(buffers[count..], sizes[count..], offset, limit - count);
            if (HasPending)
            {
                return count; // the staging buffer holds segments still to hand over
            }
        }

        return count;
    }

    /// <summary>Moves the pending super-packet's next segments into the batch.</summary>
    private int TakePending(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset, int limit)
    {
        int taken = 0;
        ReadOnlySpan<byte> packet = _readStaging.AsSpan(VirtioNetHeader.Size, _pendingLength);
        while (_pendingNext < _pending.Count && taken < limit)
        {
            Span<byte> target = buffers[taken].Span[offset..];
            int length = _pending.Write(packet, _pendingNext, target);
            if (length < 0)
            {
                if (target.Length < Mtu)
                {
                    break; // the MTU was raised under the caller: the segment waits for its larger buffers
                }

                Interlocked.Increment(ref _readErrors); // larger than the MTU allows: dropped and counted, never cut
                _pendingNext++;
                continue;
            }

            _pendingNext++;
            sizes[taken++] = length;
        }

        return taken;
    }

    /// <summary>Sorts a failed read: retry (EINTR), nothing queued (EAGAIN), closed (<paramref name="stop"/>), or a failure thrown.</summary>
    private bool ShouldRetryRead(int errno, out bool stop)
    {
        stop = false;
        if (errno == Errors.EINTR)
        {
            return true;
        }

        if (errno == Errors.EAGAIN)
        {
            return false;
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            stop = true;
            return false;
        }

        throw Failure($"read from {Name}", errno);
    }
}
