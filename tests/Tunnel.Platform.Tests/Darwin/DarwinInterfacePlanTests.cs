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
        });

        Assert.Equal([("utun4", V4), ("utun4", V6)], network.Addresses);
        Assert.Equal(
            [new DarwinRoute(IPNetwork.Parse("10.9.0.0/24"), null, 12, RouteFlags.Proto1), new DarwinRoute(IPNetwork.Parse("fd00:9::/64"), null, 12, RouteFlags.Proto1)],
            network.Routes);
        Assert.DoesNotContain(network.Routes, route => route.Destination.BaseAddress.Equals(Endpoint)); // not a full tunnel: no endpoint route
    }

    [Fact]
    public void FullTunnel_AddsTheEndpointsRouteFirst_ThenTheTwoHalves()
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

        Assert.Equal(["address add 10.9.0.2/32", "route add 198.51.100.7/32", "route add 0.0.0.0/1", "route add 128.0.0.0/1"], network.Calls);
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
        Assert.Equal([IPNetwork.Parse("2001:db8::7/128"), IPNetwork.Parse("::/1"), IPNetwork.Parse("8000::/1")], network.Routes.Select(route => route.Destination));
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
        Assert.Equal(["address add 10.9.0.2/32", "route add 10.9.0.0/24", "route add 10.10.0.0/16", "route delete 10.9.0.0/24", "address remove 10.9.0.2/32"], network.Calls);
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
