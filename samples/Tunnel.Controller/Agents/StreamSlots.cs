using System.Collections.Concurrent;

namespace Tunnel.Controller.Agents;

/// <summary>
/// Bounds the policy streams one device holds open (<see cref="PerDevice"/>): an agent needs one, a reconnecting one
/// briefly two; a leaked credential or a broken agent looping on reconnects cannot pin the controller's memory.
/// </summary>
internal sealed class StreamSlots
{
    /// <summary>The most policy streams one device may hold open at once.</summary>
    public const int PerDevice = 4;

    private readonly ConcurrentDictionary<Guid, int> _open = new();

    /// <summary>Takes a slot for <paramref name="device"/>; dispose it when the stream ends.</summary>
    /// <returns>The slot; null when the device holds <see cref="PerDevice"/> already.</returns>
    public IDisposable? TryTake(Guid device)
    {
        int now = _open.AddOrUpdate(device, 1, static (_, open) => open + 1);
        if (now <= PerDevice)
        {
            return new Slot(this, device);
        }

        Release(device);
        return null;
    }

    private void Release(Guid device)
    {
        if (_open.AddOrUpdate(device, 0, static (_, open) => open - 1) <= 0)
        {
            _open.TryRemove(new KeyValuePair<Guid, int>(device, 0));
        }
    }

    private sealed class Slot(StreamSlots slots, Guid device) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release(device);
            }
        }
    }
}
