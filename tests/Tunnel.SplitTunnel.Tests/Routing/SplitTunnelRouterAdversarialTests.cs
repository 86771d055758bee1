using System.Diagnostics;
using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.SplitTunnel.Tests.Dns;
using Tunnel.Routing;

namespace Tunnel.SplitTunnel.Tests.Routing;

/// <summary>
/// Learned routes cannot be turned against the policy. Adversarial DNS answers (any name a domain rule
/// matches, through CNAME chains, any address, any TTL) are fed to the router between policy changes and
/// timeouts; the route changes it asks for go into a simulated kernel table, and after every step an address
/// that an explicit entry covers (a system entry, or a user prefix entry) routes as that entry says, in the
/// kernel and in <see cref="SplitTunnelRouter.Decide"/>, and a learned address that was not refused routes by
/// its rule.
/// </summary>
public sealed class SplitTunnelRouterAdversarialTests
{
    private static readonly string[] Universe =
    [
        "10.0.0.1", "10.0.0.2", "10.0.0.77", "10.0.1.4", "10.0.1.5", "10.0.2.9", "10.0.2.10", "10.9.9.9",
        "192.0.2.1", "192.0.2.53", "203.0.113.7", "169.254.1.1", "fd00::1", "fd00::53", "2001:db8::1",
    ];

    private static readonly string[] Names = ["a.corp.test", "b.corp.test", "x.y.corp.test", "exact.test", "cdn.other.test", "other.test"];

    [Property(MaxTest = 60)]
    public Property AnswersNeverMoveAnAddressAnExplicitEntryCovers(int seed)
    {
        var random = new Random(seed);
        var policy = RandomPolicy(random);
        var options = new LearnedRouteOptions { MinimumTimeToLive = TimeSpan.FromSeconds(5), MaxRoutes = 6, MaxAddressesPerName = 3, MaxClaimsPerAddress = 2 };
        var router = new SplitTunnelRouter(policy, options);
        var kernel = new Dictionary<IPNetwork, RouteDecision>();
        Apply(kernel, new RouteSetChange(router.GetRoutes(), []));
        var now = TimeSpan.FromSeconds(10);

        for (int step = 0; step < 120; step++)
        {
            int op = random.Next(20);
            if (op < 15)
            {
                var change = router.Learn(RandomAnswer(random, out var addresses), now, out int refused);
                Apply(kernel, change);
                if (refused == 0)
                {
                    // Nothing refused: every address of a matching answer routes by the rule, unless an explicit entry says otherwise.
                    foreach (var address in addresses.Where(a => router.GetLearnedRoutes().Any(r => r.Address.Equals(a))))
                    {
                        var expected = ExplicitDecision(router.Policy, address) ?? router.Policy.EntryDecision;
                        Assert.Equal(expected, Lookup(kernel, address));
                    }
                }
            }
            else if (op < 18)
            {
                now += TimeSpan.FromSeconds(random.Next(1, 400));
                Apply(kernel, router.HandleTimeout(now));
            }
            else
            {
                Apply(kernel, router.SetPolicy(RandomPolicy(random)));
            }

            foreach (string text in Universe)
            {
                var address = IPAddress.Parse(text);
                if (ExplicitDecision(router.Policy, address) is { } decision)
                {
                    Assert.Equal(decision, Lookup(kernel, address));
                    Assert.Equal(decision, router.Decide(address.GetAddressBytes()));
                    Assert.Equal(decision, router.Explain(address).Decision);
                }
            }
        }

        return true.ToProperty();
    }

    [Fact]
    public void ExplainNamesTheConflict_WhenASystemEntryOverridesALearnedAddress()
    {
        var policy = new SplitTunnelPolicy(SplitTunnelMode.Exclude, [SplitTunnelRule.ForSystem(IPNetwork.Parse("10.0.0.53/32"), RouteDecision.Tunnel, "a DNS server"), SplitTunnelRule.Parse("*.corp.test")]);
        var router = new SplitTunnelRouter(policy);
        var change = router.Learn(DnsMessageBuilder.Response("evil.corp.test").A("evil.corp.test", "10.0.0.53", 86400).Build(), TimeSpan.Zero, out int refused);

        Assert.Equal((0, 0), (change.Added.Count, refused));
        var explained = router.Explain(IPAddress.Parse("10.0.0.53"));
        Assert.Equal((RouteDecision.Tunnel, RouteRuleSource.System), (explained.Decision, explained.Source));
        Assert.Equal(["evil.corp.test"], explained.LearnedFrom);
        Assert.Contains("the answer for evil.corp.test (*.corp.test) would send it direct, but a system entry comes first", explained.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ClaimsPerAddressAreBounded_AndTheRefusalIsReported()
    {
        var router = new SplitTunnelRouter(new SplitTunnelPolicy(SplitTunnelMode.Include, [SplitTunnelRule.Parse("*.corp.test")]), new LearnedRouteOptions { MaxClaimsPerAddress = 3 });
        for (int i = 0; i < 3; i++)
        {
            router.Learn(Answer($"n{i}.corp.test", "10.0.0.1"), TimeSpan.Zero, out int accepted);
            Assert.Equal(0, accepted);
        }

        router.Learn(Answer("n3.corp.test", "10.0.0.1"), TimeSpan.Zero, out int refused);
        Assert.Equal(1, refused);
        Assert.Equal(3, router.GetLearnedRoutes().Single().Claims.Count);
        Assert.Equal(1, router.Statistics.DroppedOverClaimLimit);

        // A renewal of a name already claiming is not a new claim.
        router.Learn(Answer("n1.corp.test", "10.0.0.1"), TimeSpan.FromSeconds(1), out int renewed);
        Assert.Equal(0, renewed);
    }

    [Fact]
    public void AFloodOfDistinctNamesWithDayLongTtls_LeavesALegitimateNameLearnedOrRefused_NeverLeaked()
    {
        var router = new SplitTunnelRouter(new SplitTunnelPolicy(SplitTunnelMode.Include, [SplitTunnelRule.Parse("*.corp.test")]), new LearnedRouteOptions { MaxRoutes = 2_048 });
        var stopwatch = Stopwatch.StartNew();
        int refusedInFlood = 0;
        for (int i = 0; i < 4_096; i++)
        {
            router.Learn(Answer($"f{i}.corp.test", $"10.{(i >> 8) & 0xFF}.{i & 0xFF}.1", ttl: 86_400), TimeSpan.Zero, out int refused);
            refusedInFlood += refused;
        }

        Assert.Equal((2_048, 2_048), (router.Statistics.LearnedAddresses, refusedInFlood));
        router.Learn(Answer("legit.corp.test", "192.0.2.10"), TimeSpan.FromSeconds(1), out int legit);

        // Refused, so the forwarder withholds its answer (the address would go direct); never learned and leaked.
        Assert.Equal(1, legit);
        Assert.Equal(RouteDecision.Direct, router.Decide(IPAddress.Parse("192.0.2.10").GetAddressBytes()));
        TestContext.Current.SendDiagnosticMessage($"a flood of 4,096 answers took {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
    }

    private static byte[] Answer(string name, string address, uint ttl = 60) =>
        DnsMessageBuilder.Response(name).A(name, address, ttl).Build();

    /// <summary>An answer for a random name (sometimes through a CNAME into a rule), with one to three random addresses and TTLs up to a day.</summary>
    private static byte[] RandomAnswer(Random random, out List<IPAddress> addresses)
    {
        string question = Names[random.Next(Names.Length)];
        var builder = DnsMessageBuilder.Response(question);
        string owner = question;
        if (random.Next(4) == 0)
        {
            owner = Names[random.Next(Names.Length)];
            builder = builder.Cname(question, owner, (uint)random.Next(0, 86_400));
        }

        addresses = [];
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            var address = IPAddress.Parse(Universe[random.Next(Universe.Length)]);
            addresses.Add(address);
            uint ttl = (uint)random.Next(0, 86_400);
            builder = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? builder.A(owner, address.ToString(), ttl) : builder.Aaaa(owner, address.ToString(), ttl);
        }

        return builder.Build();
    }

    /// <summary>A random mode with random system entries (nested, either decision) and user prefix entries over the universe, and two domain rules.</summary>
    private static SplitTunnelPolicy RandomPolicy(Random random)
    {
        var rules = new List<SplitTunnelRule>(SplitTunnelRule.LinkLocalAndMulticast) { SplitTunnelRule.Parse("*.corp.test"), SplitTunnelRule.Parse("exact.test") };
        foreach (string prefix in new[] { "10.0.0.0/24", "10.0.1.4/32", "192.0.2.53/32", "203.0.113.7/32", "fd00::53/128", "10.0.0.0/8" })
        {
            if (random.Next(2) == 0)
            {
                rules.Add(SplitTunnelRule.ForSystem(IPNetwork.Parse(prefix), random.Next(2) == 0 ? RouteDecision.Tunnel : RouteDecision.Direct, "system"));
            }
        }

        foreach (string prefix in new[] { "10.0.2.0/24", "10.0.0.2/32", "fd00::/64", "192.0.2.0/24" })
        {
            if (random.Next(2) == 0)
            {
                rules.Add(SplitTunnelRule.Parse(prefix));
            }
        }

        return new SplitTunnelPolicy(random.Next(2) == 0 ? SplitTunnelMode.Include : SplitTunnelMode.Exclude, rules);
    }

    /// <summary>What the explicit entries say of an address: the longest system entry, else a user prefix entry (the mode's entry decision), else nothing.</summary>
    private static RouteDecision? ExplicitDecision(SplitTunnelPolicy policy, IPAddress address) =>
        policy.TryMatchSystem(address.GetAddressBytes(), out var system) ? system.SystemDecision
        : policy.TryMatchPrefix(address.GetAddressBytes(), out _) ? policy.EntryDecision
        : null;

    private static void Apply(Dictionary<IPNetwork, RouteDecision> kernel, RouteSetChange change)
    {
        foreach (var route in change.Removed)
        {
            Assert.True(kernel.Remove(route.Destination), $"removed {route.Destination}, which is not in the table");
        }

        foreach (var route in change.Added)
        {
            kernel[route.Destination] = route.Decision;
        }
    }

    /// <summary>The kernel's longest-prefix match; no route at all is the main table, direct.</summary>
    private static RouteDecision Lookup(Dictionary<IPNetwork, RouteDecision> kernel, IPAddress address) =>
        kernel.Where(route => route.Key.Contains(address)).OrderByDescending(route => route.Key.PrefixLength).Select(route => (RouteDecision?)route.Value).FirstOrDefault() ?? RouteDecision.Direct;
}
