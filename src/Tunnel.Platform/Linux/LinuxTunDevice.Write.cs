using System.Runtime.InteropServices;
using Tunnel.Platform.Linux.Internal;
using Tunnel.Platform.Offloads;
using Posix = Tunnel.Platform.Interop.Unix.Interop;
using static Tunnel.Platform.Interop.Linux.Interop;
using static Tunnel.Platform.Interop.Unix.Interop;

namespace Tunnel.Platform.Linux;

/// <summary>Writes: one system call per packet, or with offloads one per coalesced group, gathered without copying.</summary>
public sealed partial class LinuxTunDevice
{
    /// <summary>With offloads: the grouping of the batch being written.</summary>
    private readonly PacketCoalescer? _coalescer;

    /// <summary>
    /// The pins of one gathered write (<see cref="Write"/> runs on one thread at a time): a super-packet's pieces
    /// are slices of a few slabs, so one pin per slab per write, not one per piece.
    /// </summary>
    private readonly PinnedBuffers _pins = new(PacketCoalescer.MaxSegments);

    /// <summary>With offloads and less than a virtio header in front of the packets: where a packet is copied behind one.</summary>
    private byte[]? _writeStaging;

    private long _superPacketsWritten;

    /// <summary>Writes that coalesced more than one packet.</summary>
    internal long SuperPacketsWritten => Interlocked.Read(ref _superPacketsWritten);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<Memory<byte>> packets, int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (_coalescer is null)
        {
            foreach (Memory<byte> packet in packets)
            {
                WritePacket(packet.Span[offset..]);
            }

            return;
        }

        if (offset < VirtioNetHeader.Size)
        {
            // No room for the header: copy each packet behind one, uncoalesced (callers of the engine never get here).
            _writeStaging ??= GC.AllocateUninitializedArray<byte>(VirtioNetHeader.Size + MaxSuperPacket, pinned: true);
            foreach (Memory<byte> packet in packets)
            {
                Span<byte> staged = _writeStaging.AsSpan(0, VirtioNetHeader.Size + packet.Length - offset);
                staged[..VirtioNetHeader.Size].Clear();
                packet.Span[offset..].CopyTo(staged[VirtioNetHeader.Size..]);
                WritePacket(staged);
            }

            return;
        }

        for (int start = 0; start < packets.Length; start += MaxBatch)
        {
            ReadOnlySpan<Memory<byte>> batch = packets.Slice(start, Math.Min(MaxBatch, packets.Length - start));
            _coalescer.Coalesce(batch, offset);
            for (int g = 0; g < _coalescer.GroupCount; g++)
            {
                ref readonly PacketCoalescer.Group group = ref _coalescer[g];
                Span<byte> head = batch[group.Head].Span[(offset - VirtioNetHeader.Size)..];
                group.Header.Write(head);
                if (group.Count == 1)
                {
                    WritePacket(head);
                }
                else
                {
                    WriteGathered(batch, offset, group);
                    _superPacketsWritten++;
                }
            }
        }
    }

    /// <summary>Writes one packet; a refusal other than the interface going away is counted and the packet dropped.</summary>
    private unsafe void WritePacket(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            nint written;
            fixed (byte* pointer = bytes)
            {
                written = Posix.Write(_device, pointer, (nuint)bytes.Length);
            }

            if (written >= 0 || !ShouldRetryWrite(Marshal.GetLastPInvokeError()))
            {
                return;
            }
        }
    }

    /// <summary>Writes a coalesced group as one super-packet: the head with its virtio header, then each follower's payload.</summary>
    private unsafe void WriteGathered(ReadOnlySpan<Memory<byte>> batch, int offset, in PacketCoalescer.Group group)
    {
        IOVector* vectors = stackalloc IOVector[PacketCoalescer.MaxSegments];
        int count = 0;
        try
        {
            for (int packet = group.Head; packet >= 0; packet = _coalescer!.Next(packet))
            {
                Memory<byte> bytes = packet == group.Head
                    ? batch[packet][(offset - VirtioNetHeader.Size)..]
                    : batch[packet][(offset + group.HeaderLength)..];
                vectors[count] = new IOVector { Base = _pins.Pin(bytes), Length = (nuint)bytes.Length };
                count++;
            }

            while (Writev(_device, vectors, count) < 0 && ShouldRetryWrite(Marshal.GetLastPInvokeError()))
            {
            }
        }
        finally
        {
            _pins.Release();
        }
    }

    /// <summary>Sorts a failed write: retry (EINTR), the interface gone (thrown), or one packet refused (counted).</summary>
    private bool ShouldRetryWrite(int errno)
    {
        if (errno == Errors.EINTR)
        {
            return true;
        }

        if (errno is Errors.EBADFD or Errors.EBADF or Errors.ENODEV && Volatile.Read(ref _disposed) == 0)
        {
            throw Failure($"write to {Name}", errno);
        }

        Interlocked.Increment(ref _writeErrors);
        return false;
    }
}
