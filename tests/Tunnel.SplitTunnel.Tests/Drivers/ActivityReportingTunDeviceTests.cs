using System.Net;
using Tunnel.Routing;
using Tunnel.Testing;

namespace Tunnel.SplitTunnel.Tests.Drivers;

public sealed class ActivityReportingTunDeviceTests
{
    [Fact]
    public async Task PacketsReadTowardsALearnedAddress_KeepItAlive_AndAllocateNothing()
    {
        var policy = new SplitTunnelPolicy(SplitTunnelMode.Include, [SplitTunnelRule.Parse("*.corp.test")]);
        await using var controller = new SplitTunnelController(new SplitTunnelRouter(policy), new InMemoryRouteApplier());
        await controller.StartAsync(TestContext.Current.CancellationToken);
        await controller.LearnAsync(DnsResponses.A("a.corp.test", "10.7.7.7", timeToLive: 60), TestContext.Current.CancellationToken);
        controller.Router.Learn("b.corp.test", IPAddress.Parse("fd00::7"), TimeSpan.FromMinutes(1), controller.Now);

        var inner = new InMemoryTunDevice();
        using var device = new ActivityReportingTunDevice(inner, controller);
        byte[] v4 = PacketBuilder.IPv4(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.7.7.7"), new byte[32]);
        byte[] v6 = PacketBuilder.IPv6(IPAddress.Parse("fd00::1"), IPAddress.Parse("fd00::7"), new byte[32]);
        byte[] other = PacketBuilder.IPv4(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.9.9.9"), new byte[32]);
        var buffers = new Memory<byte>[] { new byte[1500], new byte[1500], new byte[1500] };
        int[] sizes = new int[3];

        // No assertion inside the measured loop: a failed round is counted and checked after it.
        int failures = 0;
        void Round()
        {
            if (!(inner.TryInject(v4) && inner.TryInject(v6) && inner.TryInject(other)) || device.Read(buffers, sizes, 16) != 3)
            {
                failures++;
            }
        }

        Round();
        Assert.All(controller.Router.GetLearnedRoutes(), route => Assert.NotNull(route.LastActivity));
        Assert.Equal(v4, buffers[0].Span.Slice(16, sizes[0]).ToArray());

        long fewest = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                Round();
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, fewest);
        Assert.Equal(0, failures);
        Assert.Equal("tun0", device.Name);
    }
}
