using Tunnel.Net.Tcp;

namespace Tunnel.Net.Stack;

internal sealed partial class StackDevice
{
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly ITimer _timer;
    private long _armedAt = long.MaxValue;

    /// <summary>The stack's time: <see cref="TimeSpan"/> ticks since the device was made.</summary>
    private long Now => _time.GetElapsedTime(_origin).Ticks;

    /// <summary>Opens a connection; its SYN is queued. Null when the interface has no address of that family or no port is free.</summary>
    public TcpConnection? Connect(ReadOnlySpan<byte> remote, ushort port, ITcpConnectionObserver observer, out SendResult result)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            long now = Now;
            TcpConnection? connection = _stack.Connect(remote, port, now, out result);
            if (connection is not null)
            {
                connection.Observer = observer;
            }

            After(now);
            return connection;
        }
    }

    /// <summary>The lock that serialises every call into the stack; a caller holds it across a check and the arming of its waiter.</summary>
    public object Gate => _gate;

    /// <summary>After a change to <paramref name="connection"/> (the caller holds <see cref="Gate"/>): sends what it made due, re-arms the timers.</summary>
    public void Changed(TcpConnection connection)
    {
        long now = Now;
        _stack.Pump(connection, now);
        After(now);
    }

    /// <summary>Starts listening on <paramref name="port"/>.</summary>
    /// <returns>Whether the port was free.</returns>
    public bool Listen(ushort port, ITcpListener listener)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            return _stack.Listen(port, listener);
        }
    }

    public void StopListening(ushort port, ITcpListener listener)
    {
        lock (_gate)
        {
            _stack.StopListening(port, listener);
        }
    }

    private void After(long now)
    {
        if (_stack.Outbound.Count > 0)
        {
            Monitor.PulseAll(_gate);
        }

        Reschedule(now);
    }

    /// <summary>Arms the timer for the stack's next deadline when it is sooner than the one armed.</summary>
    private void Reschedule(long now)
    {
        long deadline = _stack.NextDeadline;
        if (deadline >= _armedAt || _closed)
        {
            return;
        }

        _armedAt = deadline;
        _timer.Change(TimeSpan.FromTicks(Math.Max(0, deadline - now)), Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            long now = Now;
            _armedAt = long.MaxValue;
            _stack.OnTimer(now);
            After(now);
        }
    }
}
