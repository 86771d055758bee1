namespace Tunnel.Core.Tests.Support;

/// <summary>Counts the bytes a hot path allocates, so a test can require none.</summary>
internal static class Allocations
{
    /// <summary>
    /// The fewest bytes allocated on this thread by <paramref name="iterations"/> calls, over three rounds. A
    /// per-call allocation shows in every round; one-time runtime work (JIT, tier-up, static constructors such
    /// as libsodium's initialisation) shows in one at most.
    /// </summary>
    public static long Fewest(Action action, int iterations = 200)
    {
        long fewest = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            action();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < iterations; i++)
            {
                action();
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
