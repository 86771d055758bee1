using System.Threading.Tasks.Sources;

namespace Tunnel.Net.Stack;

/// <summary>
/// One awaiter at a time for "something changed", reused for every wait so a waiting read or write allocates
/// nothing. It is armed under the stack's lock after the caller found nothing to do, and signalled under the same
/// lock, so no change between the check and the wait is missed; continuations run on the thread pool, never under the lock.
/// </summary>
internal sealed class SingleWaiter : IValueTaskSource
{
    private const int Idle = 0, Waiting = 1, Completed = 2;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _registration;
    private int _state;

    /// <summary>Arms the waiter; the task completes at the next <see cref="Signal"/> or when <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <exception cref="InvalidOperationException">Another wait is in progress (a stream allows one read and one write at a time).</exception>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            throw new InvalidOperationException("Another read or write of this kind is already in progress.");
        }

        _core.Reset();
        var wait = new ValueTask(this, _core.Version);
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static (state, token) => ((SingleWaiter)state!).Complete(new OperationCanceledException(token)), this);
        }

        return wait;
    }

    /// <summary>Wakes the waiter, if one is armed.</summary>
    public void Signal() => Complete(null);

    /// <summary>Fails the waiter, if one is armed.</summary>
    public void Fail(Exception error) => Complete(error);

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            _registration.Dispose();
            _registration = default;
            Volatile.Write(ref _state, Idle);
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Complete(Exception? error)
    {
        if (Interlocked.CompareExchange(ref _state, Completed, Waiting) != Waiting)
        {
            return;
        }

        if (error is null)
        {
            _core.SetResult(true);
        }
        else
        {
            _core.SetException(error);
        }
    }
}
