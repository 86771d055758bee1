using System.Buffers;
using System.Runtime.InteropServices;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>
/// Native addresses for managed buffers handed to a system call, pinning each underlying array once: the
/// engine's buffers are slices of one pinned slab, so a batch of any size costs one pin, not one per packet.
/// </summary>
internal sealed unsafe class PinnedBuffers : IDisposable
{
    private readonly MemoryHandle[] _handles;
    private readonly object?[] _owners;
    private int _count;

    public PinnedBuffers(int capacity)
    {
        _handles = new MemoryHandle[capacity];
        _owners = new object?[capacity];
    }

    /// <summary>The address of <paramref name="buffer"/>'s first byte, valid until <see cref="Release"/>.</summary>
    public byte* Pin(ReadOnlyMemory<byte> buffer)
    {
        if (MemoryMarshal.TryGetArray(buffer, out ArraySegment<byte> segment) && segment.Array is { } array)
        {
            for (int i = 0; i < _count; i++)
            {
                if (ReferenceEquals(_owners[i], array))
                {
                    return (byte*)_handles[i].Pointer + segment.Offset;
                }
            }

            return (byte*)Add(array, array.AsMemory()) + segment.Offset;
        }

        return (byte*)Add(null, buffer);
    }

    /// <summary>Unpins everything.</summary>
    public void Release()
    {
        for (int i = 0; i < _count; i++)
        {
            _handles[i].Dispose();
            _owners[i] = null;
        }

        _count = 0;
    }

    public void Dispose() => Release();

    private void* Add(object? owner, ReadOnlyMemory<byte> memory)
    {
        if (_count == _handles.Length)
        {
            throw new InvalidOperationException("More distinct buffers than a batch holds.");
        }

        _handles[_count] = memory.Pin();
        _owners[_count] = owner;
        return _handles[_count++].Pointer;
    }
}
