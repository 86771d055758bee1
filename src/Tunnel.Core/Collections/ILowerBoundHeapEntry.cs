namespace Tunnel.Core.Collections;

/// <summary>
/// An item of a <see cref="LowerBoundHeap{TEntry, TKey}"/>: it carries its own key and position in the heap, and
/// knows its exact earliest deadline, which the key may lag behind.
/// </summary>
/// <typeparam name="TKey">The deadline's type.</typeparam>
internal interface ILowerBoundHeapEntry<TKey>
    where TKey : struct, IComparable<TKey>
{
    /// <summary>Gets or sets the key the heap orders by: never later than <see cref="EarliestDeadline"/>; the heap's "none" while absent.</summary>
    TKey HeapKey { get; set; }

    /// <summary>Gets or sets the position in the heap's array, or -1 while absent.</summary>
    int HeapSlot { get; set; }

    /// <summary>Gets the earliest deadline now armed, exactly; the heap's "none" when nothing is.</summary>
    TKey EarliestDeadline { get; }
}
