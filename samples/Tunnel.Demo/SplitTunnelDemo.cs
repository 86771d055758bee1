using System.Net;
using Tunnel.Routing;

namespace Tunnel.Demo;

/// <summary>
/// The split-tunnel part of the demo: a small include-mode policy, a few DNS answers learned as a forwarder
/// would learn them, and what <c>Explain</c> says for names and addresses, with the routes the system would get.
/// </summary>
internal static class SplitTunnelDemo
{
    public static int Run()
    {
        var policy = new SplitTunnelPolicy(SplitTunnelMode.Include,
        [
            .. SplitTunnelRule.LinkLocalAndMulticast,
            SplitTunnelRule.ForSystem(IPNetwork.Parse("203.0.113.7/32"), RouteDecision.Direct, "tunnel endpoint"),
            SplitTunnelRule.ForSystem(IPNetwork.Parse("192.0.2.53/32"), RouteDecision.Direct, "DNS upstream"),
            SplitTunnelRule.Parse("10.0.0.0/8", "corporate network"),
            SplitTunnelRule.Parse("*.corp.example.com", "intranet"),
            SplitTunnelRule.Parse("vpn-only.example.net", "partner portal"),
        ]);
        var router = new SplitTunnelRouter(policy);
        var now = TimeSpan.Zero;

        Console.WriteLine();
        Console.WriteLine("Split tunnel: include mode; entries 10.0.0.0/8, *.corp.example.com, vpn-only.example.net;");
        Console.WriteLine("  system entries: the tunnel endpoint 203.0.113.7, the DNS upstream 192.0.2.53, link-local, multicast.");
        (string Name, string Address, int Ttl)[] answers =
        [
            ("git.corp.example.com", "198.51.100.10", 300),
            ("wiki.corp.example.com", "198.51.100.11", 60),
            ("vpn-only.example.net", "2001:db8::80", 120),
            ("www.example.org", "192.0.2.80", 300),
        ];
        foreach (var (name, address, ttl) in answers)
        {
            var change = router.Learn(name, IPAddress.Parse(address), TimeSpan.FromSeconds(ttl), now);
            string learned = change.Added.Count > 0 ? $"route {string.Join(", ", change.Added)}" : "nothing learned";
            Console.WriteLine($"  DNS answer  {name,-22} -> {address,-14} TTL {ttl,3} s: {learned}");
        }

        Console.WriteLine("explain:");
        foreach (string destination in new[]
        {
            "git.corp.example.com", "corp.example.com", "198.51.100.10", "10.1.2.3", "192.0.2.80",
            "203.0.113.7", "169.254.1.1", "2001:db8::80", "www.example.org",
        })
        {
            Console.WriteLine($"  {destination,-22} {router.Explain(destination)}");
        }

        var routes = router.GetRoutes();
        Console.WriteLine($"routes for the system ({routes.Count}): {string.Join(", ", routes.Select(r => r.ToString()))}");

        // Past the shortest TTL plus the grace period, the answer nobody renewed is forgotten.
        var expiry = router.HandleTimeout(TimeSpan.FromSeconds(60) + router.Options.GracePeriod);
        Console.WriteLine($"after {(60 + router.Options.GracePeriod.TotalSeconds):F0} s: removed {string.Join(", ", expiry.Removed)}");
        return router.Decide(IPAddress.Parse("198.51.100.10").GetAddressBytes()) == RouteDecision.Tunnel && expiry.Removed.Count == 1 ? 0 : 1;
    }
}
