using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Routing;

namespace Tunnel.SplitTunnel.Tests.Routing;

public sealed class DomainTableTests
{
    /// <summary>
    /// The grammar's golden table, as docs/split-tunnel-and-dns.md's "Domain rules" section prints it: the rules of a table,
    /// a name, and the rule that wins (empty for none).
    /// </summary>
    public static TheoryData<string, string, string> Golden => new()
    {
        { "example.com", "example.com", "example.com" },
        { "example.com", "EXAMPLE.Com.", "example.com" },
        { "example.com", "www.example.com", "" },
        { "*.example.com", "www.example.com", "*.example.com" },
        { "*.example.com", "a.b.c.example.com", "*.example.com" },
        { "*.example.com", "example.com", "" },
        { "*.example.com", "notexample.com", "" },
        { "*.example.com", "example.com.evil.test", "" },
        { "*.example.com", "www.example.co", "" },
        { "example.com *.example.com", "example.com", "example.com" },
        { "example.com *.example.com", "www.example.com", "*.example.com" },
        { "*.example.com a.example.com", "a.example.com", "a.example.com" },
        { "*.example.com a.example.com", "x.a.example.com", "*.example.com" },
        { "*.example.com *.b.example.com", "x.b.example.com", "*.b.example.com" },
        { "*.example.com *.b.example.com", "b.example.com", "*.example.com" },
        { "*.b.example.com", "b.example.com", "" },
        { "bücher.example", "xn--bcher-kva.example", "xn--bcher-kva.example" },
        { "*.xn--bcher-kva.example", "shop.bücher.example", "*.xn--bcher-kva.example" },
        { "*.Example.COM.", "www.example.com", "*.example.com" },
        { "_sip._tcp.example.com", "_SIP._tcp.example.com", "_sip._tcp.example.com" },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void GoldenTable(string rules, string name, string winner)
    {
        var builder = new DomainTableBuilder<string>();
        foreach (string rule in rules.Split(' '))
        {
            var pattern = DomainPattern.Parse(rule);
            builder.Set(pattern, pattern.ToString());
        }

        var table = builder.ToTable();
        bool matched = table.TryMatch(name.AsSpan(), out var pattern1, out string? value);
        Assert.Equal(winner, matched ? value : string.Empty);
        if (matched)
        {
            Assert.Equal(winner, pattern1.ToString());
        }

        // The byte overload (the DNS path) agrees wherever the name is ASCII.
        if (Ascii.IsValid(name))
        {
            bool byteMatched = table.TryMatch(Encoding.ASCII.GetBytes(name), out _, out string? byteValue);
            Assert.Equal(winner, byteMatched ? byteValue : string.Empty);
        }
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("*", "'*' is allowed only")]
    [InlineData("*.", "empty")]
    [InlineData("a..b", "empty label")]
    [InlineData("a.*.b", "'*' is allowed only")]
    [InlineData("**.example.com", "'*' is allowed only")]
    [InlineData("ex ample.com", "character ' '")]
    [InlineData("exa/mple.com", "character '/'")]
    public void InvalidPatterns_AreRefusedWithAReason(string text, string reason)
    {
        Assert.False(DomainPattern.TryParse(text, out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        var exception = Assert.Throws<FormatException>(() => DomainPattern.Parse(text));
        Assert.Contains(reason, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelAndNameLimits()
    {
        string label63 = new('a', 63);
        Assert.True(DomainPattern.TryParse(label63 + ".com", out _));
        Assert.False(DomainPattern.TryParse(new string('a', 64) + ".com", out _, out string? error));
        Assert.Contains("longer than 63", error, StringComparison.Ordinal);

        // 253 characters is the longest dotted name a DNS message can carry.
        string longest = string.Join('.', Enumerable.Repeat(label63, 3)) + "." + new string('b', 61);
        Assert.Equal(253, longest.Length);
        Assert.True(DomainPattern.TryParse(longest, out var pattern));
        Assert.False(DomainPattern.TryParse(longest + "b", out _));
        var table = new DomainTableBuilder<int>().Set(pattern, 1).ToTable();
        Assert.True(table.TryMatch(Encoding.ASCII.GetBytes(longest + "."), out _, out _));
        Assert.False(table.TryMatch(Encoding.ASCII.GetBytes("x" + longest), out _, out _));
    }

    [Fact]
    public void EmptyTable_AndEmptyNames_MatchNothing()
    {
        Assert.False(DomainTable<int>.Empty.TryMatch("example.com".AsSpan(), out _, out _));
        var table = new DomainTableBuilder<int>().Set("*.example.com", 1).ToTable();
        Assert.False(table.TryMatch(ReadOnlySpan<byte>.Empty, out _, out _));
        Assert.False(table.TryMatch("."u8, out _, out _));
        Assert.False(table.TryMatch(".example.com"u8, out _, out _));
        Assert.True(table.TryMatch("x.example.com"u8, out _, out _));
    }

    [Fact]
    public void BuilderRoundTrips_AndSnapshotsAreImmutable()
    {
        var builder = new DomainTableBuilder<int>().Set("a.test", 1).Set("*.a.test", 2);
        var first = builder.ToTable();
        builder.Set("a.test", 3);
        Assert.True(builder.Remove(DomainPattern.Parse("*.a.test")));
        var second = builder.ToTable();

        Assert.True(first.TryMatch("x.a.test".AsSpan(), out _, out int value));
        Assert.Equal(2, value);
        Assert.False(second.TryMatch("x.a.test".AsSpan(), out _, out _));
        Assert.True(second.TryMatch("a.test".AsSpan(), out _, out value));
        Assert.Equal(3, value);
        Assert.Equal(["*.a.test", "a.test"], first.GetEntries().Select(e => e.Key.ToString()));
        Assert.Equal(2, first.ToBuilder().Count);
    }

    /// <summary>
    /// Against a naive matcher: every pattern tested one by one with <see cref="DomainPattern.Matches"/>,
    /// the most specific kept (exact first, then the longest <c>*.</c> suffix). Labels come from a small
    /// alphabet so patterns nest and names collide with them.
    /// </summary>
    [Property(MaxTest = 20)]
    public Property MatchesANaiveMatcher(int seed)
    {
        var random = new Random(seed);
        string[] labels = ["a", "b", "c", "xn--d", "e-f", "G"];
        string RandomName(int maxDepth) => string.Join('.', Enumerable.Range(0, 1 + random.Next(maxDepth)).Select(_ => labels[random.Next(labels.Length)]));

        var builder = new DomainTableBuilder<int>();
        var patterns = new List<DomainPattern>();
        for (int i = 0; i < 1 + random.Next(60); i++)
        {
            var pattern = DomainPattern.Parse((random.Next(2) == 0 ? "*." : string.Empty) + RandomName(4));
            if (!builder.TryGetValue(pattern, out _))
            {
                builder.Set(pattern, patterns.Count);
                patterns.Add(pattern);
            }
        }

        var table = builder.ToTable();
        for (int i = 0; i < 500; i++)
        {
            string name = RandomName(6) + (random.Next(4) == 0 ? "." : string.Empty);
            var candidates = patterns.Where(p => p.Matches(name)).ToList();
            int expected = candidates.Count == 0 ? -1 : patterns.IndexOf(
                candidates.OrderBy(p => p.IncludesSubdomains).ThenByDescending(p => p.Name.Length).First());
            int actual = table.TryMatch(name.AsSpan(), out _, out int value) ? value : -1;
            if (actual != expected)
            {
                return false.Label($"{name}: expected {(expected < 0 ? "none" : patterns[expected])}, got {(actual < 0 ? "none" : patterns[actual])}");
            }
        }

        return true.ToProperty();
    }
}
