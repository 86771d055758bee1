namespace Tunnel.Core.Protocol.Internal;

/// <summary>
/// The device's peers ordered by when their next timer may fall due: a binary min-heap holding each peer with
/// an armed timer once, so <see cref="Device.NextDeadline"/> is the top and <see cref="Device.HandleTimeout"/>
/// visits only the peers that are due, whatever the number of peers.
/// </summary>
/// <remarks>
/// <para>
/// A peer's key (<see cref="Peer.TimerKey"/>) is a lower bound of its earliest timer, not always equal to it.
/// Arming a timer earlier than the key lowers the key at once (a sift up); moving a timer later, which traffic
/// does on every packet (a persistent keepalive pushed back, a keepalive cancelled by data), leaves the key
/// alone. The heap corrects a stale key when that peer reaches the top: it re-keys it to the true earliest
/// timer and sifts it down, or drops it when nothing is armed. So the hot path pays one comparison per timer
/// change, and a gateway with thousands of idle peers pays nothing per deadline for them.
/// </para>
/// <para>Like its device, not thread-safe.</para>
/// </remarks>
internal sealed class PeerTimerQueue
{
    private Peer[] _heap = new Peer[8];
    private int _count;

    /// <summary>Peers in the heap (each at most once).</summary>
    public int Count => _count;

    /// <summary>Makes <paramref name="at"/> the peer's key if it is earlier than the current one, adding the peer when absent.</summary>
    public void Lower(Peer peer, TimeSpan at)
    {
        if (at >= peer.TimerKey)
        {
            return;
        }

        peer.TimerKey = at;
        if (peer.TimerSlot < 0)
        {
            if (_count == _heap.Length)
            {
                Array.Resize(ref _heap, _count * 2);
            }

            peer.TimerSlot = _count;
            _heap[_count++] = peer;
        }

        SiftUp(peer.TimerSlot);
    }

    /// <summary>Takes the peer out of the heap, wherever it is.</summary>
    public void Remove(Peer peer)
    {
        if (peer.TimerSlot >= 0)
        {
            RemoveAt(peer.TimerSlot);
        }
    }

    /// <summary>The peer whose timer falls due first, its key made exact; null when no timer is armed.</summary>
    public Peer? Peek()
    {
        while (_count > 0)
        {
            Peer top = _heap[0];
            TimeSpan earliest = top.EarliestTimer;
            if (earliest == top.TimerKey)
            {
                return top;
            }

            if (earliest == Peer.Never)
            {
                RemoveAt(0);
            }
            else
            {
                top.TimerKey = earliest; // later than before: the invariant only ever allowed the key to lag
                SiftDown(0);
            }
        }

        return null;
    }

    /// <summary>
    /// Moves every peer with a timer due at or before <paramref name="now"/> out of the heap into
    /// <paramref name="due"/>; the caller fires their timers and puts them back (<see cref="Lower"/>) with
    /// whatever is still armed.
    /// </summary>
    public void TakeDue(TimeSpan now, List<Peer> due)
    {
        while (Peek() is { } top && top.TimerKey <= now)
        {
            RemoveAt(0);
            due.Add(top);
        }
    }

    private void RemoveAt(int slot)
    {
        Peer removed = _heap[slot];
        removed.TimerSlot = -1;
        removed.TimerKey = Peer.Never;
        _count--;
        if (slot == _count)
        {
            _heap[_count] = null!;
            return;
        }

        Peer last = _heap[_count];
        _heap[_count] = null!;
        _heap[slot] = last;
        last.TimerSlot = slot;
        SiftDown(slot);
        SiftUp(last.TimerSlot);
    }

    private void SiftUp(int slot)
    {
        Peer peer = _heap[slot];
        while (slot > 0)
        {
            int parent = (slot - 1) >> 1;
            Peer above = _heap[parent];
            if (above.TimerKey <= peer.TimerKey)
            {
                break;
            }

            _heap[slot] = above;
            above.TimerSlot = slot;
            slot = parent;
        }

        _heap[slot] = peer;
        peer.TimerSlot = slot;
    }

    private void SiftDown(int slot)
    {
        Peer peer = _heap[slot];
        while (true)
        {
            int child = (2 * slot) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && _heap[child + 1].TimerKey < _heap[child].TimerKey)
            {
                child++;
            }

            Peer below = _heap[child];
            if (peer.TimerKey <= below.TimerKey)
            {
                break;
            }

            _heap[slot] = below;
            below.TimerSlot = slot;
            slot = child;
        }

        _heap[slot] = peer;
        peer.TimerSlot = slot;
    }
}
