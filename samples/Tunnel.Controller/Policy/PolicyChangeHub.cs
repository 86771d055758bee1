using System.Collections.Concurrent;

namespace Tunnel.Controller.Policy;

/// <summary>
/// Tells this replica's policy streams that an account changed. A subscription is a latch, not a queue: changes that
/// come while its stream is busy fold into one wake-up, and the stream then reads the whole state again, so nothing
/// is missed and nothing piles up however fast changes come.
/// </summary>
internal sealed class PolicyChangeHub
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Subscription, byte>> _byAccount = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);

    /// <summary>Streams attached to this replica.</summary>
    public int Subscribers => _byAccount.Values.Sum(set => set.Count);

    /// <summary>
    /// How many changes of <paramref name="account"/> this replica has heard of. A reader that notes it before reading
    /// the store knows its read is at least as new as every change counted (changes are published after they commit).
    /// </summary>
    public long Generation(string account) => _generations.GetOrAdd(account, 0); // known from now on, so PublishAll counts it

    /// <summary>Counts a change of <paramref name="account"/> and wakes its streams.</summary>
    public void Publish(string account)
    {
        _generations.AddOrUpdate(account, 1, static (_, generation) => generation + 1);
        if (_byAccount.TryGetValue(account, out ConcurrentDictionary<Subscription, byte>? subscriptions))
        {
            foreach (Subscription subscription in subscriptions.Keys)
            {
                subscription.Signal();
            }
        }
    }

    /// <summary>Wakes every stream of every account (after a gap in hearing other replicas).</summary>
    public void PublishAll()
    {
        foreach (string account in _byAccount.Keys.Union(_generations.Keys).ToList())
        {
            Publish(account);
        }
    }

    /// <summary>Starts hearing of <paramref name="account"/>'s changes; dispose to stop.</summary>
    public Subscription Subscribe(string account)
    {
        var subscription = new Subscription(this, account);
        _byAccount.GetOrAdd(account, _ => new ConcurrentDictionary<Subscription, byte>()).TryAdd(subscription, 0);
        return subscription;
    }

    /// <summary>One stream's latch.</summary>
    internal sealed class Subscription(PolicyChangeHub hub, string account) : IDisposable
    {
        private readonly SemaphoreSlim _signal = new(0, 1);

        /// <summary>Waits for a change, at most <paramref name="timeout"/>.</summary>
        /// <returns>Whether a change came.</returns>
        public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

        public void Dispose()
        {
            if (hub._byAccount.TryGetValue(account, out ConcurrentDictionary<Subscription, byte>? subscriptions))
            {
                subscriptions.TryRemove(this, out _);
            }

            _signal.Dispose();
        }

        internal void Signal()
        {
            try
            {
                if (_signal.CurrentCount == 0)
                {
                    _signal.Release();
                }
            }
            catch (Exception error) when (error is SemaphoreFullException or ObjectDisposedException)
            {
                // Already signalled, or the stream just ended.
            }
        }
    }
}
