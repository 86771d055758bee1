using System.Buffers.Binary;

namespace Tunnel.Core.Cookies;

/// <summary>
/// Per-source token buckets for handshake messages under load, as the kernel and wireguard-go keep them:
/// 20 per second with a burst of 5 per IPv4 address or per IPv6 /64 (an attacker owns a whole /64 as
/// cheaply as one address). Fixed-size and allocation-free: a bounded open-addressed table whose slots are
/// reused once their source has been quiet for a second (by then its bucket would be full again anyway).
/// When every candidate slot is held by an active source, the new source is refused: under a flood,
/// failing closed protects the handshake workers.
/// </summary>
/// <remarks>Not thread-safe: the device serialises handshake processing.</remarks>
internal sealed class RateLimiter
{
    internal const int PacketsPerSecond = 20;
    internal const int Burst = 5;
    internal static readonly TimeSpan PacketCost = TimeSpan.FromSeconds(1.0 / PacketsPerSecond);
    internal static readonly TimeSpan IdleTime = TimeSpan.FromSeconds(1);

    private const int Probes = 8;
    private static readonly TimeSpan MaxTokens = PacketCost * Burst;

    private readonly Entry[] _entries;
    private readonly int _mask;
    private readonly ulong _hashKey0;
    private readonly ulong _hashKey1;

    /// <param name="capacity">Slots in the table, rounded up to a power of two.</param>
    /// <param name="entropy">Keys the slot hash, so that sources cannot be chosen to collide.</param>
    internal RateLimiter(int capacity, IEntropySource entropy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, Probes);
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _entries = new Entry[size];
        _mask = size - 1;
        Span<byte> key = stackalloc byte[16];
        entropy.Fill(key);
        _hashKey0 = BinaryPrimitives.ReadUInt64LittleEndian(key) | 1;
        _hashKey1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]) | 1;
    }

    /// <summary>Whether a handshake message from <paramref name="sourceAddress"/> may be processed now.</summary>
    /// <param name="sourceAddress">The sender's IP address: 4 or 16 bytes in network order.</param>
    /// <param name="now">The current monotonic time.</param>
    internal bool Allow(ReadOnlySpan<byte> sourceAddress, TimeSpan now)
    {
        bool isIPv6 = sourceAddress.Length != 4;
        ulong key = isIPv6 ? BinaryPrimitives.ReadUInt64BigEndian(sourceAddress) : BinaryPrimitives.ReadUInt32BigEndian(sourceAddress);

        int start = (int)(Mix(key, isIPv6) & (ulong)_mask);
        int free = -1;
        for (int i = 0; i < Probes; i++)
        {
            ref Entry entry = ref _entries[(start + i) & _mask];
            bool idle = !entry.InUse || now - entry.LastSeen >= IdleTime;
            if (entry.InUse && entry.Key == key && entry.IsIPv6 == isIPv6)
            {
                return Take(ref entry, now);
            }

            if (idle && free < 0)
            {
                free = (start + i) & _mask;
            }
        }

        if (free < 0)
        {
            return false;
        }

        _entries[free] = new Entry { Key = key, IsIPv6 = isIPv6, InUse = true, LastSeen = now, Tokens = MaxTokens - PacketCost };
        return true;
    }

    private static bool Take(ref Entry entry, TimeSpan now)
    {
        TimeSpan elapsed = now - entry.LastSeen;
        entry.LastSeen = now;
        entry.Tokens = elapsed > MaxTokens ? MaxTokens : TimeSpan.FromTicks(Math.Min(MaxTokens.Ticks, entry.Tokens.Ticks + Math.Max(0, elapsed.Ticks)));
        if (entry.Tokens < PacketCost)
        {
            return false;
        }

        entry.Tokens -= PacketCost;
        return true;
    }

    private ulong Mix(ulong key, bool isIPv6)
    {
        ulong x = (key ^ _hashKey1 ^ (isIPv6 ? 0x9E3779B97F4A7C15UL : 0)) * _hashKey0;
        return x ^ (x >> 29);
    }

    private struct Entry
    {
        public ulong Key;
        public TimeSpan LastSeen;
        public TimeSpan Tokens;
        public bool IsIPv6;
        public bool InUse;
    }
}
