using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto;

namespace Tunnel.Core.Tests.Crypto;

public sealed class Tai64NTests
{
    [Theory]
    [InlineData("1970-01-01T00:00:00Z", "400000000000000a00000000")]
    [InlineData("2020-01-01T00:00:00Z", "400000005e0be10a00000000")]
    [InlineData("2020-01-01T00:00:01.5Z", "400000005e0be10b1dcd6500")]
    [InlineData("2038-01-19T03:14:08Z", "400000008000000a00000000")]
    public void Encodes_BigEndianSecondsFrom2Pow62PlusTen_ThenNanoseconds(string time, string expected)
    {
        Span<byte> encoded = stackalloc byte[Tai64N.Size];
        Tai64N.FromDateTimeOffset(DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture)).WriteTo(encoded);
        Assert.Equal(expected, Convert.ToHexStringLower(encoded));
    }

    [Fact]
    public void ForHandshake_RoundsNanosecondsDownTo2Pow24()
    {
        var now = DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_000).AddTicks(9_999_999);
        Tai64N exact = Tai64N.FromDateTimeOffset(now), rounded = Tai64N.ForHandshake(now);
        Assert.Equal(999_999_900u, exact.Nanoseconds);
        Assert.Equal(exact.Seconds, rounded.Seconds);
        Assert.Equal(0u, rounded.Nanoseconds % (1u << 24));
        Assert.True(exact.Nanoseconds - rounded.Nanoseconds < (1u << 24));
    }

    [Property(MaxTest = 500)]
    public Property ComparingValues_IsComparingTheirEncodedBytes()
    {
        var timestamps = ArbMap.Default.GeneratorFor<ulong>()
            .SelectMany(s => Gen.Choose(0, 999_999_999).Select(n => new Tai64N(s, (uint)n)));
        var pairs = Gen.OneOf(
            Gen.Two(timestamps),
            timestamps.SelectMany(t => Gen.Choose(-3, 3).Select(d => (t, new Tai64N(t.Seconds, (uint)Math.Clamp(t.Nanoseconds + d, 0, 999_999_999))))));
        return Prop.ForAll(pairs.ToArbitrary(), p =>
        {
            byte[] a = new byte[12], b = new byte[12];
            p.Item1.WriteTo(a);
            p.Item2.WriteTo(b);
            return Math.Sign(p.Item1.CompareTo(p.Item2)) == Math.Sign(a.AsSpan().SequenceCompareTo(b))
                && (p.Item1 > p.Item2) == (a.AsSpan().SequenceCompareTo(b) > 0);
        });
    }

    [Property(MaxTest = 300)]
    public Property WriteThenRead_RoundTrips(ulong seconds, uint nanoseconds)
    {
        var original = new Tai64N(seconds, nanoseconds % 1_000_000_000);
        var encoded = new byte[12];
        original.WriteTo(encoded);
        return (Tai64N.TryRead(encoded, out var read) && read == original).ToProperty();
    }

    [Fact]
    public void DateTimeOffset_RoundTrips_To100Nanoseconds()
    {
        var time = new DateTimeOffset(2026, 11, 28, 22, 4, 59, TimeSpan.Zero).AddTicks(1234567);
        Assert.Equal(time, Tai64N.FromDateTimeOffset(time).ToDateTimeOffset());
    }

    [Fact]
    public void TryRead_RejectsShortInputAndNanosecondsOfOneSecondOrMore()
    {
        Assert.False(Tai64N.TryRead(new byte[11], out _));
        byte[] encoded = Convert.FromHexString("400000005e0be10a3b9aca00");
        Assert.False(Tai64N.TryRead(encoded, out _));
        encoded[^1] = 0xFF;
        encoded[^2] = 0xC9;
        Assert.True(Tai64N.TryRead(encoded, out var max));
        Assert.Equal(999_999_999u, max.Nanoseconds);
    }

    [Fact]
    public void BeforeTheUnixEpoch_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Tai64N.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddTicks(-1)));
}
