using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Tests.Protocol;

public sealed class RetryJitterTests
{
    [Fact]
    public void Next_StaysBelowTheBound_CoversIt_AndDrawsEntropyOnce()
    {
        var entropy = new CountingEntropy(0x5EED);
        var jitter = default(RetryJitter);
        var seen = new bool[334];
        for (int i = 0; i < 20_000; i++)
        {
            TimeSpan delay = jitter.Next(entropy, 334);
            Assert.InRange(delay.TotalMilliseconds, 0, 333);
            Assert.Equal(Math.Floor(delay.TotalMilliseconds), delay.TotalMilliseconds);
            seen[(int)delay.TotalMilliseconds] = true;
        }

        // 20,000 draws miss one of 334 values with probability about 334 * e^-60: every value appears.
        Assert.All(seen, Assert.True);
        Assert.Equal(1, entropy.Calls);
    }

    [Fact]
    public void Next_FollowsTheSeed()
    {
        static TimeSpan[] Draw(ulong seed)
        {
            var jitter = default(RetryJitter);
            var entropy = new CountingEntropy(seed);
            return [.. Enumerable.Range(0, 16).Select(_ => jitter.Next(entropy, 334))];
        }

        Assert.Equal(Draw(1), Draw(1));
        Assert.NotEqual(Draw(1), Draw(2));
    }

    private sealed class CountingEntropy(ulong seed) : IEntropySource
    {
        public int Calls { get; private set; }

        public void Fill(Span<byte> destination)
        {
            Calls++;
            BitConverter.TryWriteBytes(destination, seed);
        }
    }
}
