using System.Net;
using Tunnel.Configuration;
using Tunnel.Connections;
using Tunnel.Platform.Darwin.Internal;
using Tunnel.Platform.Internal;
using static Tunnel.Platform.Interop.Darwin.Interop;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>What the macOS configurator asks of the kernel (the shared single-table plan over the utun routes), against an in-memory routing table: wg-quick's darwin behaviour.</summary>
public sealed class DarwinInterfacePlanTests
{
    private static readonly InterfaceAddress V4 = new(IPAddress.Parse("10.9.0.2"), 32);
    private static readonly InterfaceAddress V6 = new(IPAddress.Parse("fd00:9::2"), 128);
    private static readonly IPAddress Endpoint = IPAddress.Parse("198.51.100.7");
    private static readonly IPAddress Router = IPAddress.Parse("192.168.1.1");

    [Fact]
    public void AllowedNetworks_AreRoutedThroughTheInterface_AndMarkedOurs()
    {
        var network = new FakeDarwinNetwork();
        var plan = Plan(network, "utun4");

        plan.Apply(new TunnelInterfaceSettings
        {
            Addresses = [V4, V6],
            Routes = [new TunnelRoute(IPNetwork.Parse("10.9.0.0/24")), new TunnelRoute(IPNetwork.Parse("fd00:9::/64"))],
            PeerEndpoints = [Endpoint],
            FailClosed = false,
        });

        Assert.Equal([("utun4", V4), ("utun4", V6)], network.Addresses);
        Assert.Equal(
            [new DarwinRoute(IPNetwork.Parse("10.9.0.0/24"), null, 12, RouteFlags.Proto1), new DarwinRoute(IPNetwork.Parse("fd00:9::/64"), null, 12, RouteFlags.Proto1)],
            network.Routes);
        Assert.DoesNotContain(network.Routes, route => route.Destination.BaseAddress.Equals(Endpoint)); // not a full tunnel: no endpoint route
    }

    [Fact]
    public void FailingClosed_EachNetworkHasABlackholeAtItsPrefix_AndTheTunnelRoutesItsHalvesInFront()
    {
        var network = new FakeDarwinNetwork();
        var plan = Plan(network, "utun4");

        plan.Apply(new TunnelInterfaceSettings
        {
            Routes = [new TunnelRoute(IPNetwork.Parse("10.9.0.0/24")), new TunnelRoute(IPNetwork.Parse("fd00:9::/64")), new TunnelRoute(IPNetwork.Parse("192.0.2.7/32"))],
        });

        Assert.Equal(
            [
                new DarwinRoute(IPNetwork.Parse("10.9.0.0/24"), IPAddress.Loopback, 0, RouteFlags.Proto1 | RouteFlags.Blackhole), // first: never a tunnel route without it
                new DarwinRoute(IPNetwork.Parse("10.9.0.0/25"), null, 12, RouteFlags.Proto1),
                new DarwinRoute(IPNetwork.Parse("10.9.0.128/25"), null, 12, RouteFlags.Proto1),
                new DarwinRoute(IPNetwork.Parse("fd00:9::/64"), IPAddress.IPv6Loopback, 0, RouteFlags.Proto1 | RouteFlags.Blackhole),
                new DarwinRoute(IPNetwork.Parse("fd00:9::/65"), null, 12, RouteFlags.Proto1),
                new DarwinRoute(IPNetwork.Parse("fd00:9:0:0:8000::/65"), null, 12, RouteFlags.Proto1),
                new DarwinRoute(IPNetwork.Parse("192.0.2.7/32"), null, 12, RouteFlags.Proto1), // a host route cannot be split
            ],
            network.Routes);
        foreach (string address in (string[])["10.9.0.1", "10.9.0.200", "fd00:9::1", "fd00:9::8000:0:0:1", "192.0.2.7"])
        {
            Assert.Equal(12, network.GetRoute(IPAddress.Parse(address))!.Value.InterfaceIndex); // while it lives, the tunnel carries all of it
        }

        // The process dies: the utun goes, and the kernel drops every route through it.
        network.Routes.RemoveAll(route => route.InterfaceIndex == 12);

        foreach (string address in (string[])["10.9.0.1", "10.9.0.200", "fd00:9::1", "fd00:9::8000:0:0:1"])
        {
            Assert.NotEqual(0, network.GetRoute(IPAddress.Parse(address))!.Value.Flags & RouteFlags.Blackhole);
        }

        Assert.Null(network.GetRoute(IPAddress.Parse("192.0.2.7")));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/9", "10.128.0.0/9")]
    [InlineData("10.9.0.0/31", "10.9.0.0/32", "10.9.0.1/32")]
    [InlineData("0.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2")]
    [InlineData("128.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2")]
    [InlineData("2001:db8::/32", "2001:db8::/33", "2001:db8:8000::/33")]
    [InlineData("fd00::/127", "fd00::/128", "fd00::1/128")]
    public void Split_GivesTheTwoHalvesOneBitLonger(string network, string lower, string upper)
    {
        Assert.Equal([IPNetwork.Parse(lower), IPNetwork.Parse(upper)], SingleTablePlan<DarwinRoute>.Split(IPNetwork.Parse(network)));
    }

    [Fact]
    public void FullTunnel_AddsTheEndpointsRouteFirst_ThenBlackholeHalvesWithTheTunnelsQuartersInFront()
    {
        var network = new FakeDarwinNetwork();
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0)); // the system's default route
        var plan = Plan(network, "utun4");

        plan.Apply(new TunnelInterfaceSettings
        {
            Addresses = [V4],
            Routes = [new TunnelRoute(IPNetwork.Parse("0.0.0.0/0"), 51820)],
            PolicyRules = [new TunnelPolicyRule(System.Net.Sockets.AddressFamily.InterNetwork, 51820, 51820)],
            PeerEndpoints = [Endpoint, IPAddress.Parse("2001:db8::7")], // no IPv6 full tunnel: the IPv6 endpoint is left alone
        });

        Assert.Equal(
            ["address add 10.9.0.2/32", "route add 198.51.100.7/32", "route add 0.0.0.0/1", "route add 0.0.0.0/2", "route add 64.0.0.0/2", "route add 128.0.0.0/1", "route add 128.0.0.0/2", "route add 192.0.0.0/2"],
            network.Calls); // the halves are blackholes (failing closed), the quarters the tunnel's
        Assert.NotEqual(0, network.Routes.Single(route => route.Destination == IPNetwork.Parse("0.0.0.0/1")).Flags & RouteFlags.Blackhole);
        Assert.Contains(new DarwinRoute(IPNetwork.Parse("198.51.100.7/32"), Router, 0, RouteFlags.Proto1), network.Routes);
        Assert.Contains(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0), network.Routes); // the system's own stays

        // What the tunnel's datagrams to the endpoint now take is the router; everything else takes the tunnel.
        Assert.Equal(Router, network.GetRoute(Endpoint)!.Value.Gateway);
        Assert.Equal(12, network.GetRoute(IPAddress.Parse("8.8.8.8"))!.Value.InterfaceIndex);
        Assert.Equal(12, network.GetRoute(IPAddress.Parse("200.1.1.1"))!.Value.InterfaceIndex);
    }

    [Fact]
    public void FullTunnel_WithoutAnyRoute_BlackholesTheEndpoint_SoItsDatagramsNeverLoopIntoTheTunnel()
    {
        var network = new FakeDarwinNetwork();
        var plan = Plan(network, "utun4");

        plan.Apply(new TunnelInterfaceSettings { Routes = [new TunnelRoute(IPNetwork.Parse("::/0"), 51820)], PeerEndpoints = [IPAddress.Parse("2001:db8::7")] });

        DarwinRoute bypass = network.Routes[0];
        Assert.Equal(IPNetwork.Parse("2001:db8::7/128"), bypass.Destination);
        Assert.Equal(IPAddress.IPv6Loopback, bypass.Gateway);
        Assert.NotEqual(0, bypass.Flags & RouteFlags.Blackhole);
        Assert.Equal(
            ["2001:db8::7/128", "::/1", "::/2", "4000::/2", "8000::/1", "8000::/2", "c000::/2"],
            network.Routes.Select(route => route.Destination.ToString()));
    }

    [Fact]
    public void AFailedStep_UndoesTheStepsBeforeIt_InReverse()
    {
        var network = new FakeDarwinNetwork { FailOn = IPNetwork.Parse("10.10.0.0/16") };
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0));
        var plan = Plan(network, "utun4");

        var settings = new TunnelInterfaceSettings
        {
            Addresses = [V4],
            Routes = [new TunnelRoute(IPNetwork.Parse("10.9.0.0/24")), new TunnelRoute(IPNetwork.Parse("10.10.0.0/16"))],
        };
        Assert.Throws<IOException>(() => plan.Apply(settings));

        Assert.Empty(network.Addresses);
        Assert.Equal([new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0)], network.Routes);
        Assert.Equal(
            [
                "address add 10.9.0.2/32", "route add 10.9.0.0/24", "route add 10.9.0.0/25", "route add 10.9.0.128/25", "route add 10.10.0.0/16",
                "route delete 10.9.0.128/25", "route delete 10.9.0.0/25", "route delete 10.9.0.0/24", "address remove 10.9.0.2/32",
            ],
            network.Calls);
    }

    [Fact]
    public void Undo_RemovesOnlyWhatWasAdded_AndARouteThatExistedIsNeverReplaced()
    {
        var network = new FakeDarwinNetwork();
        var theirs = new DarwinRoute(IPNetwork.Parse("10.20.0.0/16"), IPAddress.Parse("192.168.1.9"), 0, 0); // another VPN's
        network.Routes.Add(theirs);
        var plan = Plan(network, "utun4");
        plan.Apply(new TunnelInterfaceSettings { Addresses = [V4], Routes = [new TunnelRoute(IPNetwork.Parse("10.9.0.0/24"))] });
        Assert.Throws<IOException>(() => Plan(network, "utun4").Apply(new TunnelInterfaceSettings { Routes = [new TunnelRoute(IPNetwork.Parse("10.20.0.0/16"))] }));

        Assert.Empty(plan.Undo());
        Assert.Equal([theirs], network.Routes);
        Assert.Empty(network.Addresses);
        Assert.Empty(plan.Undo()); // twice is not an error
    }

    [Fact]
    public void AMissingInterface_IsAClearError()
    {
        IOException error = Assert.Throws<IOException>(() => Plan(new FakeDarwinNetwork(), "utun9"));
        Assert.Contains("utun9", error.Message, StringComparison.Ordinal);
    }

    private static SingleTablePlan<DarwinRoute> Plan(FakeDarwinNetwork network, string interfaceName) => new(new DarwinInterfaceRoutes(network, interfaceName));
}
