using System.Runtime.InteropServices;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform.Tests.Windows;

/// <summary>
/// A Wintun session in memory, keeping the library's rules: received packets live in the ring until released,
/// and room is reclaimed only from the oldest; the send ring holds <see cref="SendCapacity"/> bytes until the
/// driver (the test) takes them; a removed adapter answers ERROR_HANDLE_EOF; the read event is signalled when
/// a packet arrives.
/// </summary>
internal sealed unsafe class FakeWintunSession : IWintunSession
{
    private readonly Lock _gate = new();
    private readonly List<(nint Packet, uint Size, bool Released)> _received = new(capacity: 4096); // preallocated: the fake allocates nothing per packet
    private readonly Queue<(nint Packet, uint Size)> _unread = new(capacity: 4096);
    private readonly AutoResetEvent _readWait = new(false);
    private int _sendUsed;

    public int SendCapacity { get; set; } = 1 << 20;

    public List<byte[]> Sent { get; } = [];

    /// <summary>Whether <see cref="Send"/> keeps a copy in <see cref="Sent"/> (off where a test counts allocations).</summary>
    public bool RecordSent { get; set; } = true;

    public bool Removed { get; set; }

    public bool Ended { get; private set; }

    /// <summary>Calls into the session after it ended: Wintun forbids them.</summary>
    public int CallsAfterEnd { get; private set; }

    /// <summary>Packets received but not yet released.</summary>
    public int Held
    {
        get
        {
            lock (_gate)
            {
                return _received.Count(entry => !entry.Released);
            }
        }
    }

    public WaitHandle ReadWait => _readWait;

    /// <summary>The driver puts a packet into the receive ring.</summary>
    public void Arrive(byte[] packet)
    {
        lock (_gate)
        {
            nint copy = (nint)NativeMemory.Alloc((nuint)packet.Length);
            packet.CopyTo(new Span<byte>((void*)copy, packet.Length));
            _unread.Enqueue((copy, (uint)packet.Length));
        }

        _readWait.Set();
    }

    public int Receive(out byte* packet, out uint size)
    {
        lock (_gate)
        {
            Touch();
            packet = null;
            size = 0;
            if (Removed)
            {
                return 38; // ERROR_HANDLE_EOF
            }

            if (!_unread.TryDequeue(out var next))
            {
                return 259; // ERROR_NO_MORE_ITEMS
            }

            _received.Add((next.Packet, next.Size, false));
            packet = (byte*)next.Packet;
            size = next.Size;
            return 0;
        }
    }

    public void Release(byte* packet)
    {
        lock (_gate)
        {
            Touch();
            for (int i = 0; i < _received.Count; i++)
            {
                if (_received[i].Packet == (nint)packet)
                {
                    _received[i] = _received[i] with { Released = true };
                    break;
                }
            }

            // Room comes back only from the oldest packet on.
            while (_received.Count > 0 && _received[0].Released)
            {
                NativeMemory.Free((void*)_received[0].Packet);
                _received.RemoveAt(0);
            }
        }
    }

    public int Allocate(uint size, out byte* packet)
    {
        lock (_gate)
        {
            Touch();
            packet = null;
            if (Removed)
            {
                return 38;
            }

            if (_sendUsed + size > SendCapacity)
            {
                return 111; // ERROR_BUFFER_OVERFLOW
            }

            _sendUsed += (int)size;
            byte* room = (byte*)NativeMemory.Alloc(size + sizeof(uint));
            *(uint*)room = size;
            packet = room + sizeof(uint);
            return 0;
        }
    }

    public void Send(byte* packet)
    {
        lock (_gate)
        {
            Touch();
            uint size = *(uint*)(packet - sizeof(uint));
            if (RecordSent)
            {
                Sent.Add(new ReadOnlySpan<byte>(packet, (int)size).ToArray());
            }

            NativeMemory.Free(packet - sizeof(uint));
        }
    }

    /// <summary>The driver takes everything sent, freeing the ring.</summary>
    public void Drain()
    {
        lock (_gate)
        {
            _sendUsed = 0;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            Ended = true;
        }
    }

    private void Touch()
    {
        if (Ended)
        {
            CallsAfterEnd++;
        }
    }
}
