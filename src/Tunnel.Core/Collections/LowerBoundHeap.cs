namespace Tunnel.Core.Collections;

/// <summary>
/// Items ordered by when their next deadline may fall due: a binary min-heap holding each item with a deadline
/// armed once, so the earliest is the top and the due ones are taken without visiting the rest, however many
/// items there are. The device's peers (their timers) and the user-space stack's TCP connections live in one.
/// </summary>
/// <remarks>
/// <para>
/// An item's key (<see cref="ILowerBoundHeapEntry{TKey}.HeapKey"/>) is a lower bound of its earliest deadline,
/// not always equal to it. Its owner calls <see cref="Lower"/> whenever it arms a deadline earlier than the key
/// (a sift up); moving a deadline later, which traffic does on every packet (a keepalive pushed back, a
/// retransmission timer restarted by an acknowledgment), leaves the key alone and costs the owner one
/// comparison. The heap corrects a stale key when the item reaches the top: it re-keys it to the exact
/// earliest deadline and sifts it down, or drops it when nothing is armed.
/// </para>
/// <para>Not thread-safe: its owner serialises every call.</para>
/// </remarks>
/// <typeparam name="TEntry">The items.</typeparam>
/// <typeparam name="TKey">The deadline's type.</typeparam>
/// <param name="none">The key that means no deadline: later than any real one.</param>
internal sealed class LowerBoundHeap<TEntry, TKey>(TKey none)
    where TEntry : class, ILowerBoundHeapEntry<TKey>
    where TKey : struct, IComparable<TKey>
{
    private TEntry[] _heap = new TEntry[8];
    private int _count;

    /// <summary>Gets the items in the heap (each at most once).</summary>
    public int Count => _count;

    /// <summary>Gets the key that means no deadline.</summary>
    public TKey None => none;

    /// <summary>Makes <paramref name="at"/> the item's key if it is earlier than the current one, adding the item when absent.</summary>
    public void Lower(TEntry item, TKey at)
    {
        if (!Earlier(at, item.HeapKey) || !Earlier(at, none))
        {
            return;
        }

        item.HeapKey = at;
        if (item.HeapSlot < 0)
        {
            if (_count == _heap.Length)
            {
                Array.Resize(ref _heap, _count * 2);
            }

            item.HeapSlot = _count;
            _heap[_count++] = item;
        }

        SiftUp(item.HeapSlot);
    }

    /// <summary>Takes the item out of the heap, wherever it is.</summary>
    public void Remove(TEntry item)
    {
        if (item.HeapSlot >= 0)
        {
            RemoveAt(item.HeapSlot);
        }
    }

    /// <summary>The item whose deadline falls due first, its key made exact; null when no deadline is armed.</summary>
    public TEntry? Peek()
    {
        while (_count > 0)
        {
            TEntry top = _heap[0];
            TKey earliest = top.EarliestDeadline;
            if (earliest.CompareTo(top.HeapKey) == 0)
            {
                return top;
            }

            if (!Earlier(earliest, none))
            {
                RemoveAt(0);
            }
            else
            {
                top.HeapKey = earliest; // later than before: the invariant only ever allows the key to lag
                SiftDown(0);
            }
        }

        return null;
    }

    /// <summary>The earliest deadline armed, exactly; <see cref="None"/> when there is none.</summary>
    public TKey PeekDeadline() => Peek() is { } top ? top.HeapKey : none;

    /// <summary>
    /// Moves every item with a deadline at or before <paramref name="now"/> out of the heap into
    /// <paramref name="due"/>; the caller runs them and puts them back (<see cref="Lower"/>) with whatever is
    /// still armed.
    /// </summary>
    public void TakeDue(TKey now, List<TEntry> due)
    {
        while (Peek() is { } top && !Earlier(now, top.HeapKey))
        {
            RemoveAt(0);
            due.Add(top);
        }
    }

    /// <summary>Empties the heap.</summary>
    public void Clear()
    {
        for (int i = 0; i < _count; i++)
        {
            _heap[i].HeapSlot = -1;
            _heap[i].HeapKey = none;
            _heap[i] = null!;
        }

        _count = 0;
    }

    private void RemoveAt(int slot)
    {
        TEntry removed = _heap[slot];
        removed.HeapSlot = -1;
        removed.HeapKey = none;
        _count--;
        if (slot == _count)
        {
            _heap[_count] = null!;
            return;
        }

        TEntry last = _heap[_count];
        _heap[_count] = null!;
        _heap[slot] = last;
        last.HeapSlot = slot;
        SiftDown(slot);
        SiftUp(last.HeapSlot);
    }

    private void SiftUp(int slot)
    {
        TEntry item = _heap[slot];
        TKey key = item.HeapKey;
        while (slot > 0)
        {
            int parent = (slot - 1) >> 1;
            TEntry above = _heap[parent];
            if (!Earlier(key, above.HeapKey))
            {
                break;
            }

            _heap[slot] = above;
            above.HeapSlot = slot;
            slot = parent;
        }

        _heap[slot] = item;
        item.HeapSlot = slot;
    }

    private void SiftDown(int slot)
    {
        TEntry item = _heap[slot];
        TKey key = item.HeapKey;
        while (true)
        {
            int child = (2 * slot) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && Earlier(_heap[child + 1].HeapKey, _heap[child].HeapKey))
            {
                child++;
            }

            TEntry below = _heap[child];
            if (!Earlier(below.HeapKey, key))
            {
                break;
            }

            _heap[slot] = below;
            below.HeapSlot = slot;
            slot = child;
        }

        _heap[slot] = item;
        item.HeapSlot = slot;
    }

    /// <summary>Whether <paramref name="a"/> comes strictly before <paramref name="b"/>.</summary>
    private static bool Earlier(TKey a, TKey b) => a.CompareTo(b) < 0;
}
