using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>Handshake and ping both ways, with each implementation on each side, over IPv4 and IPv6.</summary>
public sealed class HandshakeInteropTests
{
    [Theory]
    [MemberData(nameof(Pairings.All), MemberType = typeof(Pairings))]
    public void SideOneInitiates_PingWorksOverIPv4AndIPv6InnerAddresses(Implementation one, Implementation two)
    {
        using var lab = new Lab();
        Peer first = lab.Start(1, one), second = lab.Start(2, two);
        Lab.Connect(first, second);

        Assert.True(lab.Ping(1, "10.200.0.2"), $"IPv4 ping 1 -> 2 failed. {first.Log}{second.Log}");
        Assert.True(lab.Ping(2, "10.200.0.1"), "IPv4 ping 2 -> 1 failed");
        Assert.True(lab.Ping(1, "fd00:200::2"), "IPv6 ping 1 -> 2 failed");
        Assert.True(lab.Ping(2, "fd00:200::1"), "IPv6 ping 2 -> 1 failed");

        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var (self, other) in new[] { (first, second), (second, first) })
        {
            long handshake = self.DumpOf(other).LatestHandshake;
            Assert.InRange(handshake, now - 60, now + 5);
        }
    }

    [Theory]
    [MemberData(nameof(Pairings.All), MemberType = typeof(Pairings))]
    public void OverAnIPv6Underlay_PingWorks(Implementation one, Implementation two)
    {
        using var lab = new Lab();
        Peer first = lab.Start(1, one), second = lab.Start(2, two);
        Lab.Connect(first, second, ipv6Outer: true);

        Assert.True(lab.Ping(1, "10.200.0.2"), "ping 1 -> 2 failed");
        Assert.True(lab.Ping(2, "fd00:200::1"), "ping 2 -> 1 failed");
        Assert.Equal("[fd00:192::2]:51820", first.DumpOf(second).Endpoint);
        Assert.Equal("[fd00:192::1]:51820", second.DumpOf(first).Endpoint);
    }

    [Fact]
    public void ADontFragmentPingOfExactlyTheMtuPasses_AndOneByteMoreIsRefused()
    {
        using var lab = new Lab();
        Peer first = lab.Start(1, Implementation.Tunnel), second = lab.Start(2, Implementation.WireGuardGo);
        Lab.Connect(first, second);

        // 1392 bytes of ICMP payload + 8 (ICMP) + 20 (IPv4) = 1420, the tunnel MTU.
        Assert.True(lab.Ping(1, "10.200.0.2", 2, "-M", "do", "-s", "1392"), "a full-MTU packet did not pass");
        Assert.True(lab.Ping(2, "10.200.0.1", 2, "-M", "do", "-s", "1392"), "a full-MTU packet did not pass back");
        Assert.False(lab.Ping(1, "10.200.0.2", 1, "-M", "do", "-s", "1393"), "a packet over the MTU passed");
    }
}
