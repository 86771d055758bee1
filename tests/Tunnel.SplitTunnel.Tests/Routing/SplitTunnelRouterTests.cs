using System.Net;
using Tunnel.Core.Tests.Support;
using Tunnel.Routing;

namespace Tunnel.SplitTunnel.Tests.Routing;

public sealed class SplitTunnelRouterTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Activity = TimeSpan.FromSeconds(300);

    private static readonly LearnedRouteOptions Options = new()
    {
        MinimumTimeToLive = TimeSpan.FromSeconds(10),
        MaximumTimeToLive = TimeSpan.FromHours(1),
        GracePeriod = Grace,
        ActivityTimeout = Activity,
    };

    private static SplitTunnelPolicy Policy(SplitTunnelMode mode, params string[] entries) =>
        new(mode, SplitTunnelRule.LinkLocalAndMulticast.Concat(entries.Select(e => SplitTunnelRule.Parse(e))));

    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    private static byte[] Bytes(string address) => IPAddress.Parse(address).GetAddressBytes();

    [Fact]
    public void IncludeMode_ALearnedAddressRoutesIntoTheTunnel_AndExplainNamesItsName()
    {
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.example.com"), Options);

        var change = router.Learn("git.corp.example.com", IPAddress.Parse("10.9.8.7"), Seconds(300), Seconds(1000));
        Assert.Equal([new PlannedRoute(IPNetwork.Parse("10.9.8.7/32"), RouteDecision.Tunnel)], change.Added);
        Assert.Empty(change.Removed);
        Assert.Equal(RouteDecision.Tunnel, router.Decide(Bytes("10.9.8.7")));
        Assert.Equal(RouteDecision.Direct, router.Decide(Bytes("10.9.8.8")));

        var explanation = router.Explain("10.9.8.7");
        Assert.Equal((RouteDecision.Tunnel, RouteRuleSource.LearnedAddress), (explanation.Decision, explanation.Source));
        Assert.Equal(["git.corp.example.com"], explanation.LearnedFrom);
        Assert.Equal(Seconds(1000 + 300) + Grace, explanation.Expires);
        Assert.Equal("10.9.8.7 was learned from the answer for git.corp.example.com, which matches *.corp.example.com", explanation.Reason);

        // An unmatched name teaches nothing; a known address teaches nothing new.
        Assert.True(router.Learn("www.example.com", IPAddress.Parse("192.0.2.1"), Seconds(300), Seconds(1000)).IsEmpty);
        Assert.True(router.Learn("git.corp.example.com", IPAddress.Parse("10.9.8.7"), Seconds(300), Seconds(1001)).IsEmpty);
        Assert.Equal(1, router.Statistics.AddressesLearned);
        Assert.Equal(1, router.Statistics.AddressesRefreshed);
    }

    [Fact]
    public void ExcludeMode_ALearnedAddressGoesDirect()
    {
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Exclude, "*.zoom.us"), Options);
        var change = router.Learn("US04WEB.zoom.us.", IPAddress.Parse("2001:db8::5"), Seconds(30), TimeSpan.Zero);
        Assert.Equal([new PlannedRoute(IPNetwork.Parse("2001:db8::5/128"), RouteDecision.Direct)], change.Added);
        Assert.Equal(RouteDecision.Direct, router.Decide(Bytes("2001:db8::5")));
        Assert.Equal(RouteDecision.Tunnel, router.Decide(Bytes("2001:db8::6")));
        Assert.Equal("us04web.zoom.us", router.GetLearnedRoutes().Single().Claims.Single().Name);
    }

    [Fact]
    public void AnAddressStaysWhileAnyNameClaimsIt_ThenGoesAfterTtlPlusGrace()
    {
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.test"), Options);
        var address = IPAddress.Parse("10.0.0.1");
        router.Learn("a.corp.test", address, Seconds(100), Seconds(0));
        router.Learn("b.corp.test", address, Seconds(400), Seconds(0));
        Assert.Equal(Seconds(100) + Grace, router.NextDeadline);

        Assert.True(router.HandleTimeout(Seconds(100) + Grace).IsEmpty);
        Assert.Equal(["b.corp.test"], router.GetLearnedRoutes().Single().Claims.Select(c => c.Name));
        Assert.Equal(Seconds(400) + Grace, router.NextDeadline);

        Assert.True(router.HandleTimeout(Seconds(400) + Grace - TimeSpan.FromTicks(1)).IsEmpty);
        var change = router.HandleTimeout(Seconds(400) + Grace);
        Assert.Equal([new PlannedRoute(IPNetwork.Parse("10.0.0.1/32"), RouteDecision.Tunnel)], change.Removed);
        Assert.Equal(RouteDecision.Direct, router.Decide(Bytes("10.0.0.1")));
        Assert.Null(router.NextDeadline);
        Assert.Equal(1, router.Statistics.AddressesExpired);
        Assert.Equal(0, router.Statistics.LearnedNames);
    }

    [Fact]
    public void AFlowKeepsAnExpiredAddress_UntilItGoesQuiet()
    {
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.test"), Options);
        router.Learn("a.corp.test", IPAddress.Parse("10.0.0.1"), Seconds(10), Seconds(0));
        router.ReportActivity(Bytes("10.0.0.1"), Seconds(50));
        router.ReportActivity(Bytes("10.0.0.2"), Seconds(50));

        Assert.True(router.HandleTimeout(Seconds(10) + Grace).IsEmpty);
        Assert.Equal(Seconds(50) + Activity, router.NextDeadline);
        Assert.Empty(router.GetLearnedRoutes().Single().Claims);
        Assert.Equal(Seconds(50), router.GetLearnedRoutes().Single().LastActivity);
        Assert.Contains("a flow still uses it", router.Explain("10.0.0.1").Reason, StringComparison.Ordinal);

        router.ReportActivity(Bytes("10.0.0.1"), Seconds(200));
        Assert.True(router.HandleTimeout(Seconds(50) + Activity).IsEmpty);
        Assert.Single(router.HandleTimeout(Seconds(200) + Activity).Removed);
    }

    [Fact]
    public void Limits_DropAndCount()
    {
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.test"), Options with { MaxAddressesPerName = 2, MaxRoutes = 3 });
        for (int i = 1; i <= 3; i++)
        {
            router.Learn("a.corp.test", IPAddress.Parse($"10.0.0.{i}"), Seconds(60), TimeSpan.Zero);
        }

        Assert.Equal(1, router.Statistics.DroppedOverNameLimit);
        router.Learn("b.corp.test", IPAddress.Parse("10.0.1.1"), Seconds(60), TimeSpan.Zero);
        router.Learn("c.corp.test", IPAddress.Parse("10.0.1.2"), Seconds(60), TimeSpan.Zero);
        Assert.Equal(1, router.Statistics.DroppedOverTotalLimit);
        Assert.Equal(3, router.Statistics.LearnedAddresses);
        Assert.Equal(2, router.Statistics.LearnedNames);

        // A second name may still claim an address already held, within its own limit.
        Assert.True(router.Learn("c.corp.test", IPAddress.Parse("10.0.0.1"), Seconds(60), TimeSpan.Zero).IsEmpty);
        Assert.Equal(3, router.Statistics.LearnedNames);
    }

    [Fact]
    public void AnAddressInsideASystemEntry_IsNotInstalled()
    {
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.test"), Options);
        Assert.True(router.Learn("printer.corp.test", IPAddress.Parse("169.254.1.1"), Seconds(60), TimeSpan.Zero).IsEmpty);
        Assert.Equal(RouteDecision.Direct, router.Decide(Bytes("169.254.1.1")));
        Assert.True(router.GetLearnedRoutes().Single().IsShadowed);
        Assert.Equal(1, router.Statistics.AddressesShadowed);
        Assert.True(router.HandleTimeout(Seconds(60) + Grace).IsEmpty);
        Assert.Empty(router.GetLearnedRoutes());
    }

    [Fact]
    public void SetPolicy_RemovingTheRuleRemovesItsAddressesAtOnce_AndAModeChangeFlipsRoutesWithoutGaps()
    {
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.test", "*.lab.test", "10.0.0.0/8"), Options);
        router.Learn("a.corp.test", IPAddress.Parse("192.0.2.1"), Seconds(60), TimeSpan.Zero);
        router.Learn("b.lab.test", IPAddress.Parse("192.0.2.2"), Seconds(60), TimeSpan.Zero);

        var flipped = router.SetPolicy(router.Policy.WithMode(SplitTunnelMode.Exclude));
        Assert.Empty(flipped.Removed);
        Assert.Contains(new PlannedRoute(IPNetwork.Parse("0.0.0.0/0"), RouteDecision.Tunnel), flipped.Added);
        Assert.Contains(new PlannedRoute(IPNetwork.Parse("10.0.0.0/8"), RouteDecision.Direct), flipped.Added);
        Assert.Contains(new PlannedRoute(IPNetwork.Parse("192.0.2.1/32"), RouteDecision.Direct), flipped.Added);
        Assert.Equal(RouteDecision.Direct, router.Decide(Bytes("192.0.2.2")));

        var narrowed = router.SetPolicy(router.Policy.WithoutRule("*.lab.test", out _));
        Assert.Equal([new PlannedRoute(IPNetwork.Parse("192.0.2.2/32"), RouteDecision.Direct)], narrowed.Removed);
        Assert.Empty(narrowed.Added);
        Assert.Equal(RouteDecision.Tunnel, router.Decide(Bytes("192.0.2.2")));
        Assert.Single(router.GetLearnedRoutes());
        Assert.True(router.SetPolicy(router.Policy).IsEmpty);
    }

    [Fact]
    public void ALearnedAddressThatIsAlsoAPrefixEntry_KeepsItsStaticRouteAfterExpiry()
    {
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.test", "10.1.1.1/32"), Options);
        Assert.True(router.Learn("a.corp.test", IPAddress.Parse("10.1.1.1"), Seconds(10), TimeSpan.Zero).IsEmpty);
        Assert.True(router.HandleTimeout(Seconds(10) + Grace).IsEmpty);
        Assert.Contains(new PlannedRoute(IPNetwork.Parse("10.1.1.1/32"), RouteDecision.Tunnel), router.GetRoutes());
    }

    [Fact]
    public void TtlsAreClamped()
    {
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.test"), Options);
        router.Learn("a.corp.test", IPAddress.Parse("10.0.0.1"), TimeSpan.Zero, TimeSpan.Zero);
        router.Learn("b.corp.test", IPAddress.Parse("10.0.0.2"), TimeSpan.FromDays(7), TimeSpan.Zero);
        var claims = router.GetLearnedRoutes().SelectMany(r => r.Claims).ToDictionary(c => c.Name, c => c.Expires);
        Assert.Equal(Options.MinimumTimeToLive, claims["a.corp.test"]);
        Assert.Equal(Options.MaximumTimeToLive, claims["b.corp.test"]);
    }

    [Fact]
    public void DecideAndReportActivity_AllocateNothing()
    {
        var router = new SplitTunnelRouter(Policy(SplitTunnelMode.Include, "*.corp.test", "10.0.0.0/8"), Options);
        router.Learn("a.corp.test", IPAddress.Parse("192.0.2.1"), Seconds(60), TimeSpan.Zero);
        byte[] learned = Bytes("192.0.2.1"), prefix = Bytes("10.2.3.4"), other = Bytes("2001:db8::1");
        RouteDecision sink = default;
        void Loop()
        {
            for (int i = 0; i < 1000; i++)
            {
                sink = router.Decide(learned);
                sink |= router.Decide(prefix);
                sink |= router.Decide(other);
                router.ReportActivity(learned, Seconds(i));
            }
        }

        Assert.Equal(0, Allocations.Fewest(Loop, iterations: 1));
        Assert.Equal(RouteDecision.Direct, sink);
    }
}
