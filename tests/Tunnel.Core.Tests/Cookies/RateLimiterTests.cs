using System.Net;
using Tunnel.Core.Cookies;
using Tunnel.Testing;

namespace Tunnel.Core.Tests.Cookies;

public sealed class RateLimiterTests
{
    private static readonly TimeSpan Start = TimeSpan.FromHours(3);

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("2001:db8::1")]
    public void BurstOfFive_ThenExactlyOnePer50Milliseconds(string address)
    {
        var limiter = new RateLimiter(1024, new DeterministicEntropy(1));
        byte[] source = IPAddress.Parse(address).GetAddressBytes();

        for (int i = 0; i < 5; i++)
        {
            Assert.True(limiter.Allow(source, Start), $"burst packet {i + 1}");
        }

        Assert.False(limiter.Allow(source, Start));

        // Tokens refill at one per 50 ms: each 50 ms step allows exactly one more, a step of 49 ms none.
        var now = Start;
        for (int i = 0; i < 40; i++)
        {
            now += TimeSpan.FromMilliseconds(49);
            Assert.False(limiter.Allow(source, now), $"step {i} at 49 ms");
            now += TimeSpan.FromMilliseconds(1);
            Assert.True(limiter.Allow(source, now), $"step {i} at 50 ms");
            Assert.False(limiter.Allow(source, now), $"step {i}, second packet");
        }
    }

    [Fact]
    public void AfterAQuietSecond_TheFullBurstIsBack()
    {
        var limiter = new RateLimiter(1024, new DeterministicEntropy(2));
        byte[] source = IPAddress.Parse("198.51.100.7").GetAddressBytes();
        for (int i = 0; i < 5; i++)
        {
            Assert.True(limiter.Allow(source, Start));
        }

        Assert.False(limiter.Allow(source, Start));
        var later = Start + TimeSpan.FromSeconds(10);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(limiter.Allow(source, later));
        }

        Assert.False(limiter.Allow(source, later));
    }

    [Fact]
    public void IPv6SharesABucketPer64_IPv4PerAddress()
    {
        var limiter = new RateLimiter(1024, new DeterministicEntropy(3));
        for (int i = 0; i < 5; i++)
        {
            // Five different hosts of one /64 use up one bucket...
            Assert.True(limiter.Allow(IPAddress.Parse($"2001:db8:1:2::{i + 1}").GetAddressBytes(), Start));
        }

        Assert.False(limiter.Allow(IPAddress.Parse("2001:db8:1:2:ffff::9").GetAddressBytes(), Start));

        // ...while the neighbouring /64 and every IPv4 address have their own.
        Assert.True(limiter.Allow(IPAddress.Parse("2001:db8:1:3::1").GetAddressBytes(), Start));
        for (int i = 0; i < 5; i++)
        {
            Assert.True(limiter.Allow(IPAddress.Parse($"192.0.2.{i + 1}").GetAddressBytes(), Start));
            Assert.True(limiter.Allow(IPAddress.Parse($"192.0.2.{i + 1}").GetAddressBytes(), Start));
        }
    }

    [Fact]
    public void WhenTheTableIsFullOfActiveSources_NewSourcesAreRefused_UntilSlotsGoIdle()
    {
        var limiter = new RateLimiter(16, new DeterministicEntropy(4));
        int admitted = 0;
        for (int i = 0; i < 64; i++)
        {
            admitted += limiter.Allow([10, 0, 0, (byte)i], Start) ? 1 : 0;
        }

        // Never more active sources than slots; with eight probes a source is refused only when all are taken.
        Assert.InRange(admitted, 8, 16);
        for (int i = 0; i < 64; i++)
        {
            admitted += limiter.Allow([10, 1, 0, (byte)i], Start + TimeSpan.FromMilliseconds(10)) ? 1 : 0;
        }

        Assert.True(admitted <= 16);

        // A quiet second frees every slot: any eight new sources fit, whatever slots they hash to.
        var later = Start + TimeSpan.FromMilliseconds(10) + RateLimiter.IdleTime;
        for (int i = 0; i < 8; i++)
        {
            Assert.True(limiter.Allow([10, 2, 0, (byte)i], later), $"new source {i} after the table went idle");
        }
    }
}
