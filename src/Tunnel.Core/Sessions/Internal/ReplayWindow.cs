using System.Runtime.CompilerServices;

namespace Tunnel.Core.Sessions.Internal;

/// <summary>
/// The receive-side replay filter of one keypair (whitepaper section 5.4.6; the bitmap ring of RFC 6479):
/// accepts each counter at most once, rejects counters more than <see cref="WindowSize"/> behind the
/// highest seen, and rejects counters at or past the caller's limit (Reject-After-Messages).
/// </summary>
/// <remarks>
/// The ring holds <see cref="RingBlocks"/> 64-bit blocks, one of which is always being recycled, so the
/// window is 127 x 64 = 8128 counters, the kernel's and wireguard-go's size. Moving the window forward
/// clears whole blocks rather than shifting bits, so a jump costs at most <see cref="RingBlocks"/> stores.
/// Not thread-safe: the caller serialises access per keypair.
/// </remarks>
internal struct ReplayWindow
{
    internal const int BlockBits = 64;
    internal const int RingBlocks = 128;
    internal const ulong WindowSize = (RingBlocks - 1) * BlockBits;

    private const int BlockShift = 6;
    private const ulong BlockMask = RingBlocks - 1;
    private const ulong BitMask = BlockBits - 1;

    private Ring _ring;
    private ulong _last;

    /// <summary>The highest counter accepted so far (0 before any).</summary>
    public readonly ulong Last => _last;

    /// <summary>Forgets every counter, as for a fresh keypair.</summary>
    public void Reset()
    {
        _last = 0;
        ((Span<ulong>)_ring).Clear();
    }

    /// <summary>Marks <paramref name="counter"/> as received, if it is acceptable.</summary>
    /// <param name="counter">The counter of an authenticated transport message.</param>
    /// <param name="limit">Counters at or above this are refused (Reject-After-Messages).</param>
    /// <returns><see langword="false"/> for a replay, a counter too old for the window, or one past the limit.</returns>
    public bool TryAccept(ulong counter, ulong limit)
    {
        if (counter >= limit)
        {
            return false;
        }

        ulong block = counter >> BlockShift;
        if (counter > _last)
        {
            ulong current = _last >> BlockShift;
            ulong advance = Math.Min(block - current, RingBlocks);
            for (ulong i = 1; i <= advance; i++)
            {
                _ring[(int)((current + i) & BlockMask)] = 0;
            }

            _last = counter;
        }
        else if (_last - counter > WindowSize)
        {
            return false;
        }

        ref ulong bits = ref _ring[(int)(block & BlockMask)];
        ulong bit = 1UL << (int)(counter & BitMask);
        if ((bits & bit) != 0)
        {
            return false;
        }

        bits |= bit;
        return true;
    }

    [InlineArray(RingBlocks)]
    private struct Ring
    {
        private ulong _element0;
    }
}
