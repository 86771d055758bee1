using Tunnel.Internal;

namespace Tunnel.Tests.Engine;

public sealed class CryptoWorkersTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Run_ProcessesEveryItemExactlyOnce_ForEveryBatchSize(int helpers)
    {
        using var workers = new CryptoWorkers(helpers, "test");
        using var job = new CryptoJob();
        // One job armed again and again, as a pump does, across the inline sizes and every chunk size.
        for (int count = 0; count <= 130; count++)
        {
            var batch = new CountingBatch(count);
            // A lost item would leave Run waiting for ever: WaitAsync turns that into a TimeoutException.
            CancellationToken cancellation = TestContext.Current.CancellationToken;
            await Task.Run(() => workers.Run(job, batch, count), cancellation).WaitAsync(TimeSpan.FromSeconds(30), cancellation);
            Assert.All(batch.Hits, hits => Assert.Equal(1, hits));
        }
    }

    [Fact]
    public void Run_SharesABatchWithAHelper()
    {
        using var workers = new CryptoWorkers(1, "test");
        using var job = new CryptoJob();
        var batch = new WaitingBatch(64);
        workers.Run(job, batch, 64);
        Assert.True(batch.SawAnotherThread, "no item of the batch ran on the helper");
        Assert.All(batch.Hits, hits => Assert.Equal(1, hits));
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(15, 1)]
    [InlineData(16, 2)]
    [InlineData(63, 7)]
    [InlineData(64, 8)]
    [InlineData(128, 8)]
    public void ChunkSize_IsAnEighthOfTheBatch_FromOneToEight(int count, int expected) =>
        Assert.Equal(expected, CryptoJob.ChunkSize(count));

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(3, 0)]
    [InlineData(4, 1)]
    [InlineData(8, 3)]
    [InlineData(64, 31)]
    public void DefaultHelperCount_IsHalfTheProcessorsLessThePump(int processors, int expected) =>
        Assert.Equal(expected, CryptoWorkers.DefaultHelperCount(processors));

    private sealed class CountingBatch(int count) : ICryptoBatch
    {
        public int[] Hits { get; } = new int[count];

        public void Process(int index) => Interlocked.Increment(ref Hits[index]);
    }

    /// <summary>Item 0 holds its thread until some other thread has processed an item (or 10 s pass).</summary>
    private sealed class WaitingBatch(int count) : ICryptoBatch
    {
        private readonly int[] _threads = new int[count];

        public int[] Hits { get; } = new int[count];

        public bool SawAnotherThread { get; private set; }

        public void Process(int index)
        {
            Interlocked.Increment(ref Hits[index]);
            int thread = Environment.CurrentManagedThreadId;
            Volatile.Write(ref _threads[index], thread);
            if (index == 0)
            {
                SawAnotherThread = SpinWait.SpinUntil(
                    () => Array.Exists(_threads, other => other != 0 && other != thread), TimeSpan.FromSeconds(10));
            }
        }
    }
}
