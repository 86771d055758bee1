using Tunnel.Testing;

namespace Tunnel.Tests.Hosting;

[CollectionDefinition(nameof(TunnelHostAllocationTests), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>Runs alone: it counts every byte the process allocates while packets flow through two hosts.</summary>
[Collection(nameof(TunnelHostAllocationTests))]
public sealed class TunnelHostAllocationTests
{
    [Fact]
    public async Task PacketsThroughTwoHosts_AllocateNothingPerPacket()
    {
        await using var pair = HostPair.StartInMemory();
        byte[] toB = PacketBuilder.IPv4(HostPair.AddressA, HostPair.AddressB, new byte[1380]);
        byte[] toA = PacketBuilder.IPv4(HostPair.AddressB, HostPair.AddressA, new byte[1380]);
        var received = new byte[2048];
        void RoundTrips(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(pair.TunA.TryInject(toB, TimeSpan.FromSeconds(5)));
                Assert.True(pair.TunB.TryTake(received, out _, TimeSpan.FromSeconds(5)));
                Assert.True(pair.TunB.TryInject(toA, TimeSpan.FromSeconds(5)));
                Assert.True(pair.TunA.TryTake(received, out _, TimeSpan.FromSeconds(5)));
            }
        }

        RoundTrips(500); // handshake, JIT, tiering
        long before = GC.GetTotalAllocatedBytes(precise: true);
        RoundTrips(2000);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // 4,000 packets each way through both pumps of both hosts: one object per packet would be 96 KB or more.
        // What remains is the runtime's own background work (timers, tiering), independent of the packet count.
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated for 8,000 packet traversals");
    }
}
