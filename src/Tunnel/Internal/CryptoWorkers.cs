namespace Tunnel.Internal;

/// <summary>A batch whose items any thread may process, in any order.</summary>
internal interface ICryptoBatch
{
    void Process(int index);
}

/// <summary>
/// Helper threads that share the encryption or decryption of a batch with the pump that owns it: the pump
/// works through the batch too and returns once every item is done, so the batch is then sent in its
/// original order (per-peer ordering comes from the order the nonces were assigned in, not from who sealed).
/// One helper per extra core; with one core everything runs inline.
/// </summary>
/// <remarks>
/// Items are claimed with one interlocked increment each; the only other synchronisation is one wake-up
/// and one completion signal per batch, never per packet. Small batches run inline, where waking a helper
/// would cost more than it saves.
/// </remarks>
internal sealed class CryptoWorkers : IDisposable
{
    /// <summary>Below this many items a batch runs on the caller alone.</summary>
    public const int MinimumParallelBatch = 4;

    private readonly object _gate = new(); // Monitor.Wait needs a monitor
    private readonly Thread[] _helpers;
    private readonly List<CryptoJob> _active = [];
    private bool _stopping;

    public CryptoWorkers(int helperCount, string name)
    {
        _helpers = new Thread[Math.Max(helperCount, 0)];
        for (int i = 0; i < _helpers.Length; i++)
        {
            _helpers[i] = new Thread(RunHelper) { IsBackground = true, Name = $"{name} crypto {i + 1}" };
            _helpers[i].Start();
        }

        _active.Capacity = 4;
    }

    public int HelperCount => _helpers.Length;

    /// <summary>Processes items 0..count-1 of <paramref name="batch"/>, with the helpers, and returns when all are done.</summary>
    public void Run(CryptoJob job, ICryptoBatch batch, int count)
    {
        if (_helpers.Length == 0 || count < MinimumParallelBatch)
        {
            for (int i = 0; i < count; i++)
            {
                batch.Process(i);
            }

            return;
        }

        job.Arm(batch, count);
        lock (_gate)
        {
            _active.Add(job);
            Monitor.PulseAll(_gate);
        }

        job.Work();
        job.WaitUntilDone();
        lock (_gate)
        {
            _active.Remove(job);
        }

        job.WaitForHelpersToLeave(); // then the job may be armed again for the next batch
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        foreach (Thread helper in _helpers)
        {
            helper.Join();
        }
    }

    private void RunHelper()
    {
        while (true)
        {
            CryptoJob? job = null;
            lock (_gate)
            {
                while (!_stopping && (job = FindWork()) is null)
                {
                    Monitor.Wait(_gate);
                }

                if (_stopping)
                {
                    return;
                }

                job!.Enter();
            }

            job.Work();
            job.Leave();
        }
    }

    private CryptoJob? FindWork()
    {
        foreach (CryptoJob job in _active)
        {
            if (job.HasUnclaimedItems)
            {
                return job;
            }
        }

        return null;
    }
}

/// <summary>One pump's reusable batch descriptor for <see cref="CryptoWorkers"/>.</summary>
internal sealed class CryptoJob : IDisposable
{
    private readonly ManualResetEventSlim _done = new(initialState: false, spinCount: 100);
    private ICryptoBatch? _batch;
    private int _count;
    private int _next;
    private int _remaining;
    private int _helpersInside;

    public bool HasUnclaimedItems => Volatile.Read(ref _next) < _count;

    public void Arm(ICryptoBatch batch, int count)
    {
        _batch = batch;
        _count = count;
        _remaining = count;
        _done.Reset();
        Volatile.Write(ref _next, 0);
    }

    public void Work()
    {
        ICryptoBatch batch = _batch!;
        while (true)
        {
            int index = Interlocked.Increment(ref _next) - 1;
            if (index >= _count)
            {
                return;
            }

            batch.Process(index);
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.Set();
            }
        }
    }

    public void WaitUntilDone() => _done.Wait();

    public void Enter() => Interlocked.Increment(ref _helpersInside);

    public void Leave() => Interlocked.Decrement(ref _helpersInside);

    public void Dispose() => _done.Dispose();

    public void WaitForHelpersToLeave()
    {
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _helpersInside) != 0)
        {
            spinner.SpinOnce();
        }
    }
}
