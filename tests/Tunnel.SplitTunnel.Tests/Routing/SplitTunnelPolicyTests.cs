using System.Net;
using Tunnel.Routing;

namespace Tunnel.SplitTunnel.Tests.Routing;

public sealed class SplitTunnelPolicyTests
{
    private static SplitTunnelPolicy Policy(SplitTunnelMode mode, params string[] entries) =>
        new(mode, SplitTunnelRule.LinkLocalAndMulticast
            .Append(SplitTunnelRule.ForSystem(IPNetwork.Parse("203.0.113.7/32"), RouteDecision.Direct, "tunnel endpoint"))
            .Concat(entries.Select(e => SplitTunnelRule.Parse(e, "entry " + e))));

    [Fact]
    public void ExcludeMode_EntriesGoDirect_EverythingElseThroughTheTunnel()
    {
        var policy = Policy(SplitTunnelMode.Exclude, "10.0.0.0/8", "*.zoom.us", "2001:db8::/32");
        Assert.Equal(RouteDecision.Direct, policy.Explain("10.1.2.3").Decision);
        Assert.Equal(RouteDecision.Direct, policy.Explain("2001:db8::1").Decision);
        Assert.Equal(RouteDecision.Direct, policy.Explain("us04web.zoom.us").Decision);
        Assert.Equal(RouteDecision.Tunnel, policy.Explain("zoom.us").Decision);
        Assert.Equal(RouteDecision.Tunnel, policy.Explain("192.0.2.1").Decision);
        Assert.Equal(RouteDecision.Tunnel, policy.Explain("example.com").Decision);
    }

    [Fact]
    public void IncludeMode_OnlyEntriesGoThroughTheTunnel()
    {
        var policy = Policy(SplitTunnelMode.Include, "10.0.0.0/8", "*.corp.example.com");
        Assert.Equal(RouteDecision.Tunnel, policy.Explain("10.1.2.3").Decision);
        Assert.Equal(RouteDecision.Tunnel, policy.Explain("git.corp.example.com").Decision);
        Assert.Equal(RouteDecision.Direct, policy.Explain("corp.example.com").Decision);
        Assert.Equal(RouteDecision.Direct, policy.Explain("192.0.2.1").Decision);
    }

    [Fact]
    public void Precedence_SystemBeforePrefix_LongestPrefixWins_AndExplainNamesTheRule()
    {
        var policy = Policy(SplitTunnelMode.Include, "0.0.0.0/0", "203.0.113.0/24", "169.254.10.0/24");

        var endpoint = policy.Explain(IPAddress.Parse("203.0.113.7"));
        Assert.Equal((RouteDecision.Direct, RouteRuleSource.System), (endpoint.Decision, endpoint.Source));
        Assert.Equal("tunnel endpoint", endpoint.Rule!.Description);
        Assert.Equal("direct: 203.0.113.7 is in the system entry 203.0.113.7/32 (tunnel endpoint)", endpoint.ToString());

        var linkLocal = policy.Explain("169.254.10.1");
        Assert.Equal((RouteDecision.Direct, RouteRuleSource.System), (linkLocal.Decision, linkLocal.Source));

        var neighbour = policy.Explain("203.0.113.8");
        Assert.Equal((RouteDecision.Tunnel, RouteRuleSource.Prefix), (neighbour.Decision, neighbour.Source));
        Assert.Equal(IPNetwork.Parse("203.0.113.0/24"), neighbour.Rule!.Prefix);
        Assert.Equal("tunnel: 203.0.113.8 is in 203.0.113.0/24 (entry 203.0.113.0/24), include mode", neighbour.ToString());

        var multicast = policy.Explain("ff02::1");
        Assert.Equal(RouteRuleSource.System, multicast.Source);

        var v6 = policy.Explain("2001:db8::1");
        Assert.Equal((RouteDecision.Direct, RouteRuleSource.ModeDefault, null), (v6.Decision, v6.Source, v6.Rule));
        Assert.Equal("direct: no entry contains 2001:db8::1, include mode", v6.ToString());

        var mapped = policy.Explain(IPAddress.Parse("::ffff:203.0.113.7"));
        Assert.Equal(RouteRuleSource.System, mapped.Source);
    }

    [Fact]
    public void ExcludeModeRoutes_DefaultIntoTheTunnel_EntriesAndSystemAround()
    {
        var routes = Policy(SplitTunnelMode.Exclude, "10.0.0.0/8", "*.zoom.us").GetRoutes().Select(r => r.ToString()).ToArray();
        Assert.Equal(
        [
            "0.0.0.0/0 tunnel", "10.0.0.0/8 direct", "169.254.0.0/16 direct", "203.0.113.7/32 direct", "224.0.0.0/4 direct",
            "255.255.255.255/32 direct", "::/0 tunnel", "fe80::/10 direct", "ff00::/8 direct",
        ], routes);
    }

    [Fact]
    public void IncludeModeRoutes_OnlyEntries_AndAnEntryInsideADifferentSystemEntryIsLeftOut()
    {
        var routes = Policy(SplitTunnelMode.Include, "10.0.0.0/8", "169.254.10.0/24", "203.0.0.0/8")
            .GetRoutes().Where(r => r.Decision == RouteDecision.Tunnel).Select(r => r.ToString()).ToArray();

        // 169.254.10.0/24 would beat the system's /16 by longest prefix in the kernel; 203.0.0.0/8 contains
        // the endpoint, whose narrower system route keeps it direct.
        Assert.Equal(["10.0.0.0/8 tunnel", "203.0.0.0/8 tunnel"], routes);
    }

    [Fact]
    public void Entries_ParseAsPrefixAddressOrDomain_AndBadOnesSayWhy()
    {
        Assert.Equal(IPNetwork.Parse("10.0.0.0/8"), SplitTunnelRule.Parse("10.0.0.0/8").Prefix);
        Assert.Equal(IPNetwork.Parse("192.0.2.1/32"), SplitTunnelRule.Parse(" 192.0.2.1 ").Prefix);
        Assert.Equal(IPNetwork.Parse("2001:db8::1/128"), SplitTunnelRule.Parse("2001:db8::1").Prefix);
        Assert.Equal(DomainPattern.Parse("*.example.com"), SplitTunnelRule.Parse("*.Example.com").Domain);

        Assert.Equal(IPNetwork.Parse("10.0.0.0/8"), SplitTunnelRule.Parse("10.0.0.1/8").Prefix);
        Assert.Contains("not a prefix", Assert.Throws<FormatException>(() => SplitTunnelRule.Parse("10.0.0.256/8")).Message, StringComparison.Ordinal);
        Assert.Contains("not a prefix", Assert.Throws<FormatException>(() => SplitTunnelRule.Parse("10.0.0.0/-1")).Message, StringComparison.Ordinal);
        Assert.Contains("not a prefix", Assert.Throws<FormatException>(() => SplitTunnelRule.Parse("10.0.0.0/33")).Message, StringComparison.Ordinal);
        Assert.Contains("neither a prefix nor a domain", Assert.Throws<FormatException>(() => SplitTunnelRule.Parse("exa mple.com")).Message, StringComparison.Ordinal);
        Assert.Contains("listed twice", Assert.Throws<ArgumentException>(() => Policy(SplitTunnelMode.Exclude, "10.0.0.0/8", "10.0.0.0/8")).Message, StringComparison.Ordinal);
        Assert.Contains("listed twice", Assert.Throws<ArgumentException>(() => Policy(SplitTunnelMode.Exclude, "a.test", "A.test.")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.")]
    [InlineData("10.1.2.")]
    [InlineData("0x0a.")]
    [InlineData("*.10")]
    public void ADomainThatReadsAsAnAddress_IsRefused_SoNoEntryBecomesAPrefixWhenWrittenAndReadAgain(string entry)
    {
        // Found by the agent-config fuzz target: "10." was the domain "10", written as 10, read back as 0.0.0.10/32.
        Assert.False(DomainPattern.TryParse(entry, out _, out string? error));
        Assert.Contains("reads as an IPv4 address", error, StringComparison.Ordinal);
        Assert.Contains("reads as an IPv4 address", Assert.Throws<FormatException>(() => SplitTunnelRule.Parse(entry)).Message, StringComparison.Ordinal);
        Assert.Equal("10.in-addr.arpa", DomainPattern.Parse("10.in-addr.arpa.").Name);
    }

    [Fact]
    public void WithRuleWithoutRuleWithMode_MakeNewPolicies_AndSystemEntriesStay()
    {
        var policy = Policy(SplitTunnelMode.Exclude, "10.0.0.0/8");
        var more = policy.WithRule(SplitTunnelRule.Parse("*.zoom.us", "video"));
        var replaced = more.WithRule(SplitTunnelRule.Parse("10.0.0.0/8", "renamed"));
        Assert.Equal(RouteDecision.Tunnel, policy.Explain("a.zoom.us").Decision);
        Assert.Equal(RouteDecision.Direct, more.Explain("a.zoom.us").Decision);
        Assert.Equal("renamed", replaced.Explain("10.0.0.1").Rule!.Description);
        Assert.Equal(more.Rules.Count, replaced.Rules.Count);

        var fewer = replaced.WithoutRule("10.0.0.0/8", out bool removed);
        Assert.True(removed);
        Assert.Equal(RouteDecision.Tunnel, fewer.Explain("10.0.0.1").Decision);
        Assert.Same(fewer, fewer.WithoutRule("203.0.113.7/32", out removed));
        Assert.False(removed);

        var include = fewer.WithMode(SplitTunnelMode.Include);
        Assert.Equal(RouteDecision.Tunnel, include.Explain("a.zoom.us").Decision);
        Assert.Equal(RouteDecision.Direct, include.Explain("10.0.0.1").Decision);
    }
}
