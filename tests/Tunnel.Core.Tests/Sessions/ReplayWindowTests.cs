using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Sessions.Internal;

namespace Tunnel.Core.Tests.Sessions;

public sealed class ReplayWindowTests
{
    private const ulong Window = ReplayWindow.WindowSize;

    // The limit the kernel's selftest passes: 2^64 - 2^4 - 1.
    private const ulong Limit = ulong.MaxValue - 16;

    [Fact]
    public void WindowIs8128()
    {
        Assert.Equal(8128UL, Window);
    }

    /// <summary>The Linux kernel's counter selftest, case by case (wireguard-go carries the same list).</summary>
    [Fact]
    public void KernelSelftest()
    {
        const ulong L = Window + 1;
        (ulong Counter, bool Accepted)[] cases =
        [
            (0, true), (1, true), (1, false), (9, true), (8, true), (7, true), (7, false),
            (L, true), (L - 1, true), (L - 1, false), (L - 2, true), (2, true), (2, false),
            (L + 16, true), (3, false), (L + 16, false), (L * 4, true), ((L * 4) - (L - 1), true),
            (10, false), ((L * 4) - L, false), ((L * 4) - (L + 1), false), ((L * 4) - (L - 2), true),
            ((L * 4) + 1 - L, false), (0, false),
            (Limit, false), (Limit - 1, true), (Limit, false), (Limit - 1, false), (Limit - 2, true),
            (Limit + 1, false), (Limit + 2, false), (Limit - 2, false), (Limit - 3, true), (0, false),
        ];

        var window = default(ReplayWindow);
        for (int i = 0; i < cases.Length; i++)
        {
            Assert.True(window.TryAccept(cases[i].Counter, Limit) == cases[i].Accepted, $"case {i + 1}: counter {cases[i].Counter}");
        }
    }

    [Fact]
    public void Bulk_AscendingThroughTheWholeWindow_ThenZeroOnce()
    {
        var window = default(ReplayWindow);
        for (ulong i = 1; i <= Window; i++)
        {
            Assert.True(window.TryAccept(i, Limit));
        }

        Assert.True(window.TryAccept(0, Limit));
        Assert.False(window.TryAccept(0, Limit));
    }

    [Fact]
    public void Bulk_AscendingOnePastTheWindow_LeavesOneInside_AndZeroOutside()
    {
        var window = default(ReplayWindow);
        for (ulong i = 2; i <= Window + 1; i++)
        {
            Assert.True(window.TryAccept(i, Limit));
        }

        Assert.True(window.TryAccept(1, Limit));
        Assert.False(window.TryAccept(0, Limit));
    }

    [Theory]
    [InlineData(Window + 1, 1, false)]
    [InlineData(Window + 2, 2, true)]
    [InlineData(Window, 1, false)]
    public void Bulk_Descending(ulong from, ulong to, bool zeroAfterwards)
    {
        var window = default(ReplayWindow);
        for (ulong i = from; i >= to; i--)
        {
            Assert.True(window.TryAccept(i, Limit), $"counter {i}");
        }

        if (zeroAfterwards)
        {
            Assert.False(window.TryAccept(0, Limit));
        }
    }

    [Fact]
    public void Bulk_DescendingWindow_ThenTheNextAboveAndZero()
    {
        var window = default(ReplayWindow);
        for (ulong i = Window; i > 0; i--)
        {
            Assert.True(window.TryAccept(i, Limit));
        }

        Assert.True(window.TryAccept(Window + 1, Limit));
        Assert.False(window.TryAccept(0, Limit));

        window.Reset();
        for (ulong i = Window; i > 0; i--)
        {
            Assert.True(window.TryAccept(i, Limit));
        }

        Assert.True(window.TryAccept(0, Limit));
        Assert.True(window.TryAccept(Window + 1, Limit));
    }

    /// <summary>
    /// Against the naive model: a set of every accepted counter and the highest one. A counter is
    /// accepted iff it is under the limit, not already in the set, and no more than the window behind
    /// the highest. Counters arrive in bursts near a moving front, with jumps and stragglers.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property MatchesANaiveSetModel()
    {
        var step = Gen.Frequency(
            (6, Gen.Choose(-40, 40).Select(d => (long)d)),
            (2, Gen.Choose(-9000, 9000).Select(d => (long)d)),
            (1, Gen.Choose(0, 1_000_000).Select(d => (long)d)),
            (1, Gen.Choose(0, 20).Select(d => (long)-d)));
        var gen =
            from start in Gen.Elements(0UL, 5UL, 1UL << 40, Limit - 20_000)
            from deltas in Gen.ListOf(step)
            select (start, deltas);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var window = default(ReplayWindow);
            var seen = new HashSet<ulong>();
            ulong highest = 0, front = c.start;
            foreach (long delta in c.deltas)
            {
                front = delta < 0 ? front - Math.Min(front, (ulong)-delta) : front + Math.Min(ulong.MaxValue - front, (ulong)delta);
                ulong counter = front;
                bool expected = counter < Limit && !seen.Contains(counter) && (counter > highest || highest - counter <= Window);
                if (window.TryAccept(counter, Limit) != expected)
                {
                    return false;
                }

                if (expected)
                {
                    seen.Add(counter);
                    highest = Math.Max(highest, counter);
                }
            }

            return true;
        });
    }
}
