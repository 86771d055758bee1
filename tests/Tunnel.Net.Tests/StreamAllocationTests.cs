namespace Tunnel.Net.Tests;

/// <summary>The allocations of a large transfer through two in-process networks, counted for the whole process, so nothing else may run beside it.</summary>
[CollectionDefinition(nameof(StreamAllocationTests), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>
/// A large transfer through <see cref="TunnelTcpStream"/> reads and writes, both engines and both stacks, allocates
/// nothing per segment. It runs alone: the count is the whole process's.
/// </summary>
[Collection(nameof(StreamAllocationTests))]
public sealed class StreamAllocationTests : IAsyncLifetime
{
    private TunnelNetwork _a = null!;
    private TunnelNetwork _b = null!;

    public async ValueTask InitializeAsync() => (_a, _b) = await TunnelNetworkTests.StartPairAsync();

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task ALargeTransfer_ThroughStreamReadsAndWrites_AllocatesNothingPerSegment()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        await TunnelNetworkTests.PingUntilAnsweredAsync(_a, TunnelNetworkTests.B4);
        using TunnelTcpListener listener = _b.ListenTcp(9);
        Task<TunnelTcpStream> accepting = listener.AcceptAsync(token).AsTask();
        await using TunnelTcpStream sender = await _a.ConnectAsync(TunnelNetworkTests.B4, 9, token);
        await using TunnelTcpStream receiver = await accepting;
        var chunk = new byte[64 * 1024];
        var sink = new byte[64 * 1024];

        async Task MoveAsync(int bytes)
        {
            Task reading = Task.Run(async () =>
            {
                for (int read = 0; read < bytes;)
                {
                    read += await receiver.ReadAsync(sink, CancellationToken.None);
                }
            }, token);
            for (int written = 0; written < bytes; written += chunk.Length)
            {
                await sender.WriteAsync(chunk, CancellationToken.None);
            }

            await reading;
        }

        await MoveAsync(8 << 20); // warm: JIT, tiering, the buffers' first bytes, the pools
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await MoveAsync(32 << 20);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // About 24,000 segments crossed each way (data one way, ACKs the other) through both engines and stacks.
        Assert.True(allocated < 24_000, $"{allocated:N0} bytes allocated for 32 MiB");
    }
}
