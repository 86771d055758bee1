namespace Tunnel.Net.Stack;

/// <summary>
/// The user-space stack as the device engine's TUN device: the engine's reads take the packets the stack queued
/// for the tunnel (blocking while there are none, as a TUN read does), and its writes hand the stack what the
/// tunnel decrypted. Every call into the stack goes through this object's lock, so the sans-IO stack sees one
/// caller at a time.
/// </summary>
internal sealed partial class StackDevice : ITunDevice
{
    private readonly object _gate = new();
    private readonly NetworkStack _stack;
    private TaskCompletionSource? _room;
    private bool _closed;

    public StackDevice(string name, NetworkStack stack, TimeProvider time)
    {
        Name = name;
        _stack = stack;
        _time = time;
        _origin = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((StackDevice)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string Name { get; }

    public int BatchSize => 64;

    public int Mtu => _stack.Mtu;

    public int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset)
    {
        TaskCompletionSource? room;
        int count = 0;
        lock (_gate)
        {
            while (_stack.Outbound.Count == 0 && !_closed)
            {
                Monitor.Wait(_gate);
            }

            int limit = Math.Min(buffers.Length, sizes.Length);
            while (count < limit && _stack.Outbound.Count > 0)
            {
                sizes[count] = _stack.Outbound.Dequeue(buffers[count].Span[offset..]);
                count++;
            }

            room = _room;
            _room = null;
            if (count > 0)
            {
                _stack.DrainBacklog(Now); // connections that waited for room in the queue
            }
        }

        room?.TrySetResult(); // outside the lock: its continuations run elsewhere anyway
        return count;
    }

    public void Write(ReadOnlySpan<Memory<byte>> packets, int offset)
    {
        lock (_gate)
        {
            int queued = _stack.Outbound.Count;
            long now = Now;
            foreach (Memory<byte> packet in packets)
            {
                _ = _stack.Deliver(packet.Span[offset..], now);
            }

            if (_stack.Outbound.Count > queued)
            {
                Monitor.PulseAll(_gate); // answers to send: echo replies, ACKs, data
            }

            Reschedule(now);
        }
    }

    /// <summary>Queues a UDP datagram for the tunnel.</summary>
    public SendResult SendUdp(ushort sourcePort, ReadOnlySpan<byte> destination, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            return Sent(_stack.SendUdp(sourcePort, destination, destinationPort, payload));
        }
    }

    /// <summary>Queues an echo request for the tunnel.</summary>
    public SendResult SendEchoRequest(ReadOnlySpan<byte> destination, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            return Sent(_stack.SendEchoRequest(destination, identifier, sequence, data));
        }
    }

    /// <summary>Completes once the engine has taken packets from a full queue (or the device closed).</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_closed || _stack.Outbound.Count < _stack.Outbound.Capacity)
            {
                return Task.CompletedTask;
            }

            _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _room.Task.WaitAsync(cancellationToken);
        }
    }

    public ushort BindUdp(ushort port, IDatagramReceiver receiver)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            return _stack.BindUdp(port, receiver);
        }
    }

    public void UnbindUdp(ushort port, IDatagramReceiver receiver)
    {
        lock (_gate)
        {
            _stack.UnbindUdp(port, receiver);
        }
    }

    public void SetEchoReplies(IEchoReplyReceiver receiver)
    {
        lock (_gate)
        {
            _stack.EchoReplies = receiver;
        }
    }

    /// <summary>The stack's counters now.</summary>
    public TunnelNetworkStatistics GetStatistics()
    {
        lock (_gate)
        {
            var dropped = new Dictionary<PacketDropReason, long>();
            foreach (PacketDropReason reason in Enum.GetValues<PacketDropReason>())
            {
                if (reason != PacketDropReason.None && _stack.Dropped(reason) > 0)
                {
                    dropped[reason] = _stack.Dropped(reason);
                }
            }

            return new TunnelNetworkStatistics(_stack.PacketsReceived, _stack.PacketsSent, dropped, _stack.TcpConnectionCount, _stack.TcpMemory.InUse);
        }
    }

    /// <summary>Ends a blocked <see cref="Read"/> (which returns 0), stops the timers and refuses further sends.</summary>
    public void Dispose()
    {
        TaskCompletionSource? room;
        _timer.Dispose();
        lock (_gate)
        {
            _closed = true;
            room = _room;
            _room = null;
            Monitor.PulseAll(_gate);
        }

        room?.TrySetResult();
    }

    private SendResult Sent(SendResult result)
    {
        if (result == SendResult.Sent)
        {
            Monitor.PulseAll(_gate);
        }

        return result;
    }
}
