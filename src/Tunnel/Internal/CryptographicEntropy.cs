using System.Security.Cryptography;
using Tunnel.Core;

namespace Tunnel.Internal;

/// <summary>
/// The operating system's cryptographic random number generator, as the core's entropy source, drawn a pool
/// at a time per thread.
/// </summary>
/// <remarks>
/// Under a handshake flood every cookie reply takes a 24-byte nonce, and each call into the system generator
/// costs its own locking and set-up (about a microsecond here), more than the nonce's share of a 1 KiB draw.
/// Each thread keeps its own pool, so no lock is shared; bytes are wiped from the pool as they are handed out,
/// and the pool lives on the pinned heap, so the collector never leaves copies of unused bytes behind.
/// Requests larger than a quarter of the pool go to the system generator directly.
/// </remarks>
internal sealed class CryptographicEntropy : IEntropySource
{
    /// <summary>Bytes drawn from the system generator at a time.</summary>
    internal const int PoolSize = 1024;

    [ThreadStatic]
    private static byte[]? t_pool;

    [ThreadStatic]
    private static int t_next;

    public static CryptographicEntropy Instance { get; } = new();

    public void Fill(Span<byte> destination)
    {
        if (destination.Length > PoolSize / 4)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }

        byte[]? pool = t_pool;
        if (pool is null)
        {
            pool = t_pool = GC.AllocateUninitializedArray<byte>(PoolSize, pinned: true);
            t_next = PoolSize;
        }

        if (PoolSize - t_next < destination.Length)
        {
            RandomNumberGenerator.Fill(pool);
            t_next = 0;
        }

        Span<byte> drawn = pool.AsSpan(t_next, destination.Length);
        drawn.CopyTo(destination);
        drawn.Clear();
        t_next += destination.Length;
    }

    /// <summary>The calling thread's pool, for tests: null before its first draw.</summary>
    internal static ReadOnlySpan<byte> CurrentThreadPool => t_pool;

    /// <summary>Where the calling thread's next draw starts in its pool, for tests.</summary>
    internal static int CurrentThreadNext => t_next;
}
