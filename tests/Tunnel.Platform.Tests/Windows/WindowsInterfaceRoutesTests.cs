using System.Net;
using System.Net.Sockets;
using Tunnel.Configuration;
using Tunnel.Connections;
using Tunnel.Platform.Internal;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform.Tests.Windows;

/// <summary>What the Windows configurator asks of the IP Helper API, against an in-memory table.</summary>
public sealed class WindowsInterfaceRoutesTests
{
    private const ulong Tunnel = 0x0500_0000_0001_0000;
    private const ulong Ethernet = 0x0600_0000_0002_0000;
    private static readonly IPAddress Router = IPAddress.Parse("192.168.1.1");
    private static readonly IPAddress Endpoint = IPAddress.Parse("198.51.100.7");

    [Fact]
    public void FullTunnel_KeepsTheEndpointOnItsRoute_AndTakesTheRestByTheLongerHalves()
    {
        var network = new FakeWindowsNetwork();
        network.Routes.Add(new WindowsRoute(IPNetwork.Parse("0.0.0.0/0"), Ethernet, Router, 25));
        var plan = new SingleTablePlan<WindowsRoute>(new WindowsInterfaceRoutes(network, "wg0", Tunnel));

        plan.Apply(new TunnelInterfaceSettings
        {
            Addresses = [new InterfaceAddress(IPAddress.Parse("10.9.0.2"), 24)],
            Routes = [new TunnelRoute(IPNetwork.Parse("0.0.0.0/0"), 51820)],
            PolicyRules = [new TunnelPolicyRule(AddressFamily.InterNetwork, 51820, 51820)],
            PeerEndpoints = [Endpoint],
        });

        Assert.Equal(["address add 10.9.0.2/24", $"route add 198.51.100.7/32 luid {Ethernet}", $"route add 0.0.0.0/1 luid {Tunnel}", $"route add 128.0.0.0/1 luid {Tunnel}"], network.Calls);
        Assert.Equal(new WindowsRoute(IPNetwork.Parse("198.51.100.7/32"), Ethernet, Router, 25), network.Routes[1]);
        Assert.Equal(Ethernet, network.GetBestRoute(Endpoint)!.Value.InterfaceLuid);
        Assert.Equal(Tunnel, network.GetBestRoute(IPAddress.Parse("8.8.8.8"))!.Value.InterfaceLuid);
        Assert.Null(network.GetBestRoute(IPAddress.Parse("8.8.8.8"))!.Value.NextHop); // on-link through the adapter

        Assert.Empty(plan.Undo());
        Assert.Equal([new WindowsRoute(IPNetwork.Parse("0.0.0.0/0"), Ethernet, Router, 25)], network.Routes);
        Assert.Empty(network.Addresses);
    }

    [Fact]
    public void AFullTunnelWhoseEndpointHasNoRoute_IsRefused_AndNothingStays()
    {
        var network = new FakeWindowsNetwork();
        var plan = new SingleTablePlan<WindowsRoute>(new WindowsInterfaceRoutes(network, "wg0", Tunnel));

        IOException error = Assert.Throws<IOException>(() => plan.Apply(new TunnelInterfaceSettings
        {
            Addresses = [new InterfaceAddress(IPAddress.Parse("10.9.0.2"), 32)],
            Routes = [new TunnelRoute(IPNetwork.Parse("0.0.0.0/0"), 51820)],
            PeerEndpoints = [Endpoint],
        }));

        Assert.Contains("198.51.100.7", error.Message, StringComparison.Ordinal);
        Assert.Empty(network.Routes);
        Assert.Empty(network.Addresses);
    }

    [Fact]
    public void SplitTunnel_RoutesOnlyTheAllowedNetworks_AndLeavesTheEndpointAlone()
    {
        var network = new FakeWindowsNetwork();
        var plan = new SingleTablePlan<WindowsRoute>(new WindowsInterfaceRoutes(network, "wg0", Tunnel));

        plan.Apply(new TunnelInterfaceSettings { Routes = [new TunnelRoute(IPNetwork.Parse("10.9.0.0/24")), new TunnelRoute(IPNetwork.Parse("fd00:9::/64"))], PeerEndpoints = [Endpoint] });

        Assert.Equal([IPNetwork.Parse("10.9.0.0/24"), IPNetwork.Parse("fd00:9::/64")], network.Routes.Select(route => route.Destination));
        Assert.All(network.Routes, route => Assert.Equal(Tunnel, route.InterfaceLuid));
    }
}
