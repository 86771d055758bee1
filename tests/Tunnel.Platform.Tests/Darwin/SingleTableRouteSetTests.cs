using System.Net;
using Tunnel.Platform.Darwin.Internal;
using Tunnel.Platform.Internal;
using Tunnel.Platform.Tests.Windows;
using Tunnel.Platform.Windows.Internal;
using static Tunnel.Platform.Interop.Darwin.Interop;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>
/// The split-tunnel route table of a single-table OS (the logic of <c>InterfaceRouteTable</c>) against the in-memory
/// macOS and Windows tables: through the tunnel, around it, refused, changed and cleared.
/// </summary>
public sealed class SingleTableRouteSetTests
{
    private static readonly IPAddress Router = IPAddress.Parse("192.168.1.1");

    [Fact]
    public void ExcludeMode_TheDefaultGoesByTheHalves_AndDirectEntriesOutrankThemThroughTheRouter()
    {
        var network = new FakeDarwinNetwork();
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0));
        var set = new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"));

        set.Add(IPNetwork.Parse("198.51.100.7/32"), InterfaceRouteKind.Direct); // the endpoint, a system entry
        set.Add(IPNetwork.Parse("0.0.0.0/0"), InterfaceRouteKind.Tunnel);
        set.Add(IPNetwork.Parse("192.0.2.0/24"), InterfaceRouteKind.Direct);   // an excluded network

        Assert.Equal(Router, network.GetRoute(IPAddress.Parse("198.51.100.7"))!.Value.Gateway);
        Assert.Equal(Router, network.GetRoute(IPAddress.Parse("192.0.2.9"))!.Value.Gateway);
        Assert.Equal(12, network.GetRoute(IPAddress.Parse("8.8.8.8"))!.Value.InterfaceIndex);
        Assert.Equal(12, network.GetRoute(IPAddress.Parse("200.0.0.1"))!.Value.InterfaceIndex);
        Assert.Equal(InterfaceRouteKind.Tunnel, set.Installed[IPNetwork.Parse("0.0.0.0/0")]);
    }

    [Fact]
    public void ADecisionThatChanges_ReplacesTheRouteWhole_AndRemoveTakesEveryPiece()
    {
        var network = new FakeDarwinNetwork();
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0));
        var set = new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"));

        set.Add(IPNetwork.Parse("10.1.0.0/16"), InterfaceRouteKind.Tunnel);
        set.Add(IPNetwork.Parse("10.1.0.0/16"), InterfaceRouteKind.Direct);
        Assert.Equal(Router, network.GetRoute(IPAddress.Parse("10.1.2.3"))!.Value.Gateway);

        set.Add(IPNetwork.Parse("::/0"), InterfaceRouteKind.Tunnel);
        Assert.Equal(8, network.Routes.Count); // the system's default, 10.1/16 direct, ::/1 and 8000::/1 refusing, the four quarters through the tunnel
        Assert.True(set.Remove(IPNetwork.Parse("::/0")));
        Assert.False(set.Remove(IPNetwork.Parse("::/0")));
        Assert.Equal(2, network.Routes.Count);
    }

    [Fact]
    public void TheSameDecisionAgain_TouchesNothing()
    {
        var network = new FakeDarwinNetwork();
        var set = new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"));
        set.Add(IPNetwork.Parse("10.1.0.0/16"), InterfaceRouteKind.Tunnel);
        network.Calls.Clear();

        set.Add(IPNetwork.Parse("10.1.0.0/16"), InterfaceRouteKind.Tunnel);

        Assert.Empty(network.Calls); // no moment in which 10.1/16 had no route
    }

    [Fact]
    public void AChangeTheSystemRefuses_PutsTheOldRouteBack_SoTheDestinationNeverFallsToTheDefault()
    {
        var network = new FakeDarwinNetwork();
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0));
        var set = new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"));
        set.Add(IPNetwork.Parse("10.1.0.0/16"), InterfaceRouteKind.Tunnel);
        network.Refuse = route => route.Gateway is not null && route.Gateway.Equals(Router) && route.Destination != IPNetwork.Parse("0.0.0.0/0");

        Assert.Throws<IOException>(() => set.Add(IPNetwork.Parse("10.1.0.0/16"), InterfaceRouteKind.Direct));

        Assert.Equal(InterfaceRouteKind.Tunnel, set.Installed[IPNetwork.Parse("10.1.0.0/16")]);
        Assert.Equal(12, network.GetRoute(IPAddress.Parse("10.1.2.3"))!.Value.InterfaceIndex); // still the tunnel's
        Assert.True(set.Remove(IPNetwork.Parse("10.1.0.0/16")));
        Assert.Single(network.Routes); // only the system's default
    }

    [Fact]
    public void ATunnelNetwork_IsRefusedOnceTheInterfaceGoes_EvenIfTheProcessDiedWithoutLettingGo()
    {
        var network = new FakeDarwinNetwork();
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0));
        var set = new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"));
        set.Add(IPNetwork.Parse("10.1.0.0/16"), InterfaceRouteKind.Tunnel);
        set.Add(IPNetwork.Parse("0.0.0.0/0"), InterfaceRouteKind.Tunnel);
        set.Add(IPNetwork.Parse("198.51.100.7/32"), InterfaceRouteKind.Direct);

        network.Routes.RemoveAll(route => route.InterfaceIndex == 12); // killed: the utun and its routes go, nothing else runs

        foreach (string address in (string[])["10.1.2.3", "8.8.8.8", "200.1.1.1"])
        {
            DarwinRoute route = network.GetRoute(IPAddress.Parse(address))!.Value;
            Assert.NotEqual(0, route.Flags & RouteFlags.Blackhole); // never the system's default route through the router
        }

        Assert.Equal(Router, network.GetRoute(IPAddress.Parse("198.51.100.7"))!.Value.Gateway); // what went direct still does
    }

    [Fact]
    public void AnotherProgramsRoute_IsNeverReplaced_AndNothingOfTheCallStays()
    {
        var network = new FakeDarwinNetwork();
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("128.0.0.0/1"), IPAddress.Parse("10.99.0.1"), 0, 0)); // another VPN's half
        var set = new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"));

        Assert.Throws<IOException>(() => set.Add(IPNetwork.Parse("0.0.0.0/0"), InterfaceRouteKind.Tunnel));

        Assert.Single(network.Routes);
        Assert.Empty(set.Installed);
    }

    [Fact]
    public void BlockAndRelease_LeavesBlackholesThatOutliveTheInterface_AndClearThenRemovesNothing()
    {
        var network = new FakeDarwinNetwork();
        network.Routes.Add(new DarwinRoute(IPNetwork.Parse("0.0.0.0/0"), Router, 4, 0));
        var set = new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, "utun4"));
        set.Add(IPNetwork.Parse("10.1.0.0/16"), InterfaceRouteKind.Tunnel);
        set.Add(IPNetwork.Parse("10.2.3.4/32"), InterfaceRouteKind.Tunnel); // a host route: no blackhole behind it until released
        set.Add(IPNetwork.Parse("198.51.100.7/32"), InterfaceRouteKind.Direct);

        Assert.Equal(2, set.BlockAndRelease());
        Assert.Empty(set.Clear());
        network.Routes.RemoveAll(route => route.InterfaceIndex == 12); // the utun goes
        Assert.NotEqual(0, network.GetRoute(IPAddress.Parse("10.2.3.4"))!.Value.Flags & RouteFlags.Blackhole);

        DarwinRoute blocked = network.Routes.Single(route => route.Destination == IPNetwork.Parse("10.1.0.0/16"));
        Assert.NotEqual(0, blocked.Flags & RouteFlags.Blackhole);
        Assert.Equal(IPAddress.Loopback, blocked.Gateway); // names loopback, not the utun: it stays when the utun goes
        Assert.Contains(network.Routes, route => route.Destination == IPNetwork.Parse("198.51.100.7/32"));
    }

    [Fact]
    public void WithoutARouteOutside_ADirectEntryIsAClearError()
    {
        var set = new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(new FakeDarwinNetwork(), "utun4"));
        IOException error = Assert.Throws<IOException>(() => set.Add(IPNetwork.Parse("192.0.2.0/24"), InterfaceRouteKind.Direct));
        Assert.Contains("no IPv4 route outside utun4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnWindows_DirectEntriesTakeThePhysicalInterface_AndBlockingAddsNothing()
    {
        const ulong Tunnel = 7, Ethernet = 9;
        var network = new FakeWindowsNetwork();
        network.Routes.Add(new WindowsRoute(IPNetwork.Parse("0.0.0.0/0"), Ethernet, Router, 25));
        var set = new SingleTableRouteSet<WindowsRoute>(new WindowsInterfaceRoutes(network, "wg0", Tunnel));

        set.Add(IPNetwork.Parse("0.0.0.0/0"), InterfaceRouteKind.Tunnel);
        set.Add(IPNetwork.Parse("192.0.2.0/24"), InterfaceRouteKind.Direct);

        Assert.Equal(Ethernet, network.GetBestRoute(IPAddress.Parse("192.0.2.9"))!.Value.InterfaceLuid);
        Assert.Equal(Tunnel, network.GetBestRoute(IPAddress.Parse("8.8.8.8"))!.Value.InterfaceLuid);
        Assert.Equal(0, set.BlockAndRelease());
        Assert.Empty(set.Clear());
    }
}
