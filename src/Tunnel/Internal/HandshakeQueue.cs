using Tunnel.Core;

namespace Tunnel.Internal;

/// <summary>
/// The bounded queue between the inbound pump and the handshake worker: received handshake messages copied
/// into fixed slots, so a flood costs the pump one short copy per message and never a Diffie-Hellman, and
/// costs memory only up to the capacity. What arrives while it is full is refused, for the caller to count.
/// Its length is what "under load" is measured on, as in wireguard-go and the kernel.
/// </summary>
internal sealed class HandshakeQueue
{
    /// <summary>The largest handshake message: an initiation (whitepaper 5.4.2).</summary>
    public const int SlotSize = 148;

    private readonly object _gate = new(); // a monitor, not a Lock: the worker waits on it
    private readonly byte[] _slots;
    private readonly int[] _lengths;
    private readonly UdpEndpoint[] _sources;
    private int _head;
    private int _count;
    private bool _closed;
    private bool _waiting;
    private bool _unpublished;

    public HandshakeQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _slots = GC.AllocateUninitializedArray<byte>(capacity * SlotSize, pinned: true);
        _lengths = new int[capacity];
        _sources = new UdpEndpoint[capacity];
    }

    public int Capacity { get; }

    /// <summary>Whether the worker sleeps waiting for a message (for tests of the wake-up).</summary>
    internal bool IsWorkerWaiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting;
            }
        }
    }

    /// <summary>Messages waiting: the handshake backlog.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Copies a message in; false when the queue is full or closed (the message is the caller's to count as
    /// dropped). The worker sees it at once if it is busy, and is woken for it by <see cref="Publish"/>.
    /// </summary>
    public bool TryEnqueue(ReadOnlySpan<byte> message, UdpEndpoint source)
    {
        if (message.Length > SlotSize)
        {
            return false;
        }

        lock (_gate)
        {
            if (_closed || _count == Capacity)
            {
                return false;
            }

            int slot = (_head + _count) % Capacity;
            message.CopyTo(_slots.AsSpan(slot * SlotSize, SlotSize));
            _lengths[slot] = message.Length;
            _sources[slot] = source;
            Volatile.Write(ref _count, _count + 1);
            _unpublished = true;
            return true;
        }
    }

    /// <summary>
    /// Wakes the worker for what was queued since the last call. The pump publishes once per receive, after
    /// it has let go of the device lock: the worker then wakes once for the whole batch and answers it with one
    /// send, instead of waking per message only to wait for the lock the pump still holds.
    /// </summary>
    public void Publish()
    {
        if (!Volatile.Read(ref _unpublished))
        {
            return;
        }

        lock (_gate)
        {
            _unpublished = false;
            if (_waiting && _count > 0)
            {
                _waiting = false;
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Takes the oldest message into <paramref name="destination"/>, waiting for one; false once the queue is closed.</summary>
    public bool TryDequeue(Span<byte> destination, out int length, out UdpEndpoint source)
    {
        lock (_gate)
        {
            while (_count == 0)
            {
                if (_closed)
                {
                    length = 0;
                    source = default;
                    return false;
                }

                _waiting = true;
                Monitor.Wait(_gate);
            }

            length = _lengths[_head];
            source = _sources[_head];
            _slots.AsSpan(_head * SlotSize, length).CopyTo(destination);
            _head = (_head + 1) % Capacity;
            Volatile.Write(ref _count, _count - 1);
            return true;
        }
    }

    /// <summary>Refuses new messages and wakes the worker; what is queued is discarded.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            _count = 0;
            Monitor.PulseAll(_gate);
        }
    }
}
