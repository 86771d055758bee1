using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Routing;

namespace Tunnel.SplitTunnel.Tests.Routing;

/// <summary>
/// The learned-route lifetime against a plain model, in simulated time: random answers (names that match a
/// rule and names that do not, shared addresses, TTLs around the minimum), reported flows, and timeouts at
/// random moments, including just before the router's own deadline. After every step the routes the router
/// asked for, applied to a simulated kernel table, must be exactly the model's addresses.
/// </summary>
public sealed class SplitTunnelRouterModelTests
{
    private static readonly LearnedRouteOptions Options = new()
    {
        MinimumTimeToLive = TimeSpan.FromSeconds(5),
        MaximumTimeToLive = TimeSpan.FromSeconds(400),
        GracePeriod = TimeSpan.FromSeconds(30),
        ActivityTimeout = TimeSpan.FromSeconds(90),
    };

    [Property(MaxTest = 40)]
    public Property LifetimeMatchesTheModel(int seed)
    {
        var random = new Random(seed);
        var mode = random.Next(2) == 0 ? SplitTunnelMode.Include : SplitTunnelMode.Exclude;
        var policy = new SplitTunnelPolicy(mode, [SplitTunnelRule.Parse("*.corp.test"), SplitTunnelRule.Parse("exact.test")]);
        var router = new SplitTunnelRouter(policy, Options);
        var entryDecision = policy.EntryDecision;

        string[] names = ["a.corp.test", "b.corp.test", "c.d.corp.test", "exact.test", "corp.test", "other.test"];
        IPAddress[] addresses = [.. Enumerable.Range(1, 6).Select(i => IPAddress.Parse($"192.0.2.{i}")), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2")];

        // The model: per address, each name's expiry and the last reported flow; an address is held from its
        // first claim until a timeout finds no live claim and no recent flow.
        var claims = new Dictionary<IPAddress, Dictionary<string, TimeSpan>>();
        var activity = new Dictionary<IPAddress, TimeSpan>();
        var kernel = policy.GetRoutes().ToDictionary(r => r.Destination, r => r.Decision);
        TimeSpan now = TimeSpan.FromSeconds(1000);

        for (int step = 0; step < 300; step++)
        {
            int op = random.Next(10);
            RouteSetChange change;
            if (op < 5)
            {
                string name = names[random.Next(names.Length)];
                var address = addresses[random.Next(addresses.Length)];
                var ttl = TimeSpan.FromSeconds(random.Next(0, 120));
                change = router.Learn(name, address, ttl, now);
                bool matches = name.EndsWith(".corp.test", StringComparison.Ordinal) || name == "exact.test";
                if (matches)
                {
                    var clamped = ttl < Options.MinimumTimeToLive ? Options.MinimumTimeToLive : ttl;
                    var byName = claims.TryGetValue(address, out var held) ? held : claims[address] = [];
                    byName[name] = byName.TryGetValue(name, out var old) && old > now + clamped ? old : now + clamped;
                }
            }
            else if (op < 7)
            {
                var address = addresses[random.Next(addresses.Length)];
                router.ReportActivity(address.GetAddressBytes(), now);
                if (claims.ContainsKey(address))
                {
                    activity[address] = now;
                }

                change = RouteSetChange.None;
            }
            else
            {
                // Sometimes one tick before the router's deadline: nothing may expire early.
                var deadline = router.NextDeadline;
                if (deadline is { } d && random.Next(3) == 0 && d > now)
                {
                    now = d - TimeSpan.FromTicks(1);
                    change = router.HandleTimeout(now);
                    if (!change.IsEmpty)
                    {
                        return false.Label($"step {step}: a change before the deadline {d}: {change}");
                    }
                }
                else
                {
                    now += TimeSpan.FromSeconds(random.Next(0, 150));
                    change = router.HandleTimeout(now);
                }

                foreach (var (address, byName) in claims.ToArray())
                {
                    foreach (var (name, expires) in byName.ToArray())
                    {
                        if (expires + Options.GracePeriod <= now)
                        {
                            byName.Remove(name);
                        }
                    }

                    bool recent = activity.TryGetValue(address, out var last) && now - last < Options.ActivityTimeout;
                    if (byName.Count == 0 && !recent)
                    {
                        claims.Remove(address);
                        activity.Remove(address);
                    }
                }
            }

            foreach (var removed in change.Removed)
            {
                if (!kernel.Remove(removed.Destination))
                {
                    return false.Label($"step {step}: removes {removed}, which the kernel does not have");
                }
            }

            foreach (var added in change.Added)
            {
                kernel[added.Destination] = added.Decision;
            }

            var expected = policy.GetRoutes().ToDictionary(r => r.Destination, r => r.Decision);
            foreach (var address in claims.Keys)
            {
                expected[new IPNetwork(address, address.GetAddressBytes().Length * 8)] = entryDecision;
            }

            if (!expected.OrderBy(e => e.Key.ToString()).SequenceEqual(kernel.OrderBy(e => e.Key.ToString())))
            {
                return false.Label($"step {step} at {now}: kernel [{string.Join(", ", kernel.Select(k => k.Key))}] vs model [{string.Join(", ", expected.Select(k => k.Key))}]");
            }

            foreach (var address in addresses)
            {
                var decision = router.Decide(address.GetAddressBytes());
                var modelDecision = claims.ContainsKey(address) ? entryDecision : policy.DefaultDecision;
                if (decision != modelDecision)
                {
                    return false.Label($"step {step}: {address} decided {decision}, model {modelDecision}");
                }
            }

            if (router.GetLearnedRoutes().Count != claims.Count || (claims.Count > 0) != router.NextDeadline.HasValue)
            {
                return false.Label($"step {step}: {router.GetLearnedRoutes().Count} learned vs {claims.Count} in the model; deadline {router.NextDeadline}");
            }
        }

        return true.ToProperty();
    }
}
