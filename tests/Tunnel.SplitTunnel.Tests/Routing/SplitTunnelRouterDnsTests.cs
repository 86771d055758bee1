using System.Net;
using Tunnel.SplitTunnel.Tests.Dns;
using Tunnel.Core.Tests.Support;
using Tunnel.Dns;
using Tunnel.Routing;

namespace Tunnel.SplitTunnel.Tests.Routing;

/// <summary>Learning from whole DNS responses: which records teach, for which name, with which TTL.</summary>
public sealed class SplitTunnelRouterDnsTests
{
    private static readonly TimeSpan Now = TimeSpan.FromSeconds(100);

    private static SplitTunnelRouter Router(params string[] entries) =>
        new(new SplitTunnelPolicy(SplitTunnelMode.Include, entries.Select(e => SplitTunnelRule.Parse(e))), new LearnedRouteOptions { MinimumTimeToLive = TimeSpan.Zero });

    private static string[] Learned(SplitTunnelRouter router) =>
        [.. router.GetLearnedRoutes().Select(r => $"{r.Address} {string.Join(",", r.Claims.Select(c => $"{c.Name}@{(c.Expires - Now).TotalSeconds}"))}")];

    [Fact]
    public void AAndAaaa_ForAMatchedQuestion_AreLearned()
    {
        var router = Router("*.corp.test");
        var change = router.Learn(DnsMessageBuilder.Response("App.Corp.Test").A("App.Corp.Test", "10.0.0.1", 60).Aaaa("app.corp.test", "fd00::1", 90).Build(), Now);
        Assert.Equal(2, change.Added.Count);
        Assert.Equal(["10.0.0.1 app.corp.test@60", "fd00::1 app.corp.test@90"], Learned(router));
        Assert.Equal(1, router.Statistics.ResponsesMatched);
    }

    [Fact]
    public void ACnameChain_IsAttributedToTheQueriedName_WithTheSmallestTtlOnThePath()
    {
        // The question matches no rule; a name on its chain does.
        var router = Router("*.edge.test");
        byte[] response = DnsMessageBuilder.Response("www.shop.test")
            .Cname("www.shop.test", "shop.cdn.test", 30)
            .Cname("shop.cdn.test", "a1.edge.test", 600)
            .A("a1.edge.test", "192.0.2.10", 300)
            .A("unrelated.edge.test", "192.0.2.66", 300)
            .Build();
        router.Learn(response, Now);
        Assert.Equal(["192.0.2.10 www.shop.test@30"], Learned(router));
        var explanation = router.Explain(IPAddress.Parse("192.0.2.10"));
        Assert.Equal((RouteRuleSource.LearnedAddress, "*.edge.test"), (explanation.Source, explanation.Rule!.ToString()));
        Assert.Equal(["www.shop.test"], explanation.LearnedFrom);
    }

    [Fact]
    public void HttpsHints_AreLearned_AndAliasModeHintsAreNot()
    {
        var router = Router("*.corp.test");
        router.Learn(DnsMessageBuilder.Response("svc.corp.test", DnsRecordType.HTTPS)
            .Https("svc.corp.test", 1, ".", 120, DnsMessageBuilder.Hint("10.0.0.7", "10.0.0.8"), DnsMessageBuilder.Hint("fd00::7"))
            .Build(), Now);
        Assert.Equal(["10.0.0.7 svc.corp.test@120", "10.0.0.8 svc.corp.test@120", "fd00::7 svc.corp.test@120"], Learned(router));
    }

    [Fact]
    public void TruncatedErrorMalformedAndUnmatchedResponses_TeachNothing()
    {
        var router = Router("*.corp.test");
        Assert.True(router.Learn(new DnsMessageBuilder { Truncated = true }.Question("a.corp.test").A("a.corp.test", "10.0.0.1").Build(), Now).IsEmpty);
        Assert.True(router.Learn(new DnsMessageBuilder { ResponseCode = 3 }.Question("b.corp.test").Build(), Now).IsEmpty);
        Assert.True(router.Learn(DnsMessageBuilder.Query("c.corp.test").Build(), Now).IsEmpty);
        Assert.True(router.Learn([0x12, 0x34, 0x81], Now).IsEmpty);
        Assert.True(router.Learn(DnsMessageBuilder.Response("www.other.test").A("www.other.test", "10.0.0.2").Build(), Now).IsEmpty);
        Assert.Empty(router.GetLearnedRoutes());
        var statistics = router.Statistics;
        Assert.Equal(1, statistics.TruncatedResponses);
        Assert.Equal(2, statistics.MalformedResponses);
        Assert.Equal(3, statistics.ResponsesInspected);
        Assert.Equal(0, statistics.ResponsesMatched);
    }

    [Fact]
    public void LearningAKnownAnswer_AllocatesNothing()
    {
        var router = Router("*.corp.test");
        byte[] response = DnsMessageBuilder.Response("www.corp.test")
            .Cname("www.corp.test", "edge.corp.test", 300)
            .A("edge.corp.test", "10.0.0.1", 60).A("edge.corp.test", "10.0.0.2", 60).A("edge.corp.test", "10.0.0.3", 60).A("edge.corp.test", "10.0.0.4", 60)
            .Build();
        Assert.Equal(4, router.Learn(response, Now).Added.Count);

        int renewed = 0;
        long allocated = Allocations.Fewest(() => renewed += router.Learn(response, Now + TimeSpan.FromSeconds(renewed)).IsEmpty ? 1 : 0);
        Assert.Equal(0, allocated);
        Assert.Equal(3 * 201, renewed);
        Assert.Equal(4 * 3 * 201, router.Statistics.AddressesRefreshed);
    }
}
