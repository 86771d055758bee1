using System.Reflection;
using Tunnel.Platform.Linux;

namespace Tunnel.Platform.Tests;

/// <summary>A user who wants only WireGuard takes Tunnel.Core, Tunnel and Tunnel.Platform, and gets no DNS or split-tunnel code.</summary>
public sealed class PackageBoundaryTests
{
    private static readonly Assembly[] WireGuardOnly = [typeof(Core.UdpEndpoint).Assembly, typeof(TunnelHost).Assembly, typeof(LinuxTunDevice).Assembly];

    [Fact]
    public void TheWireGuardPackages_DoNotReferenceTheSplitTunnelPackage()
    {
        foreach (Assembly assembly in WireGuardOnly)
        {
            Assert.DoesNotContain(assembly.GetReferencedAssemblies(), name => name.Name == "Tunnel.SplitTunnel");
        }
    }

    [Fact]
    public void TheWireGuardPackages_HoldNoRouterOrDnsTypes()
    {
        foreach (Assembly assembly in WireGuardOnly)
        {
            Assert.DoesNotContain(assembly.GetTypes(), type => type.Namespace is "Tunnel.Routing" or "Tunnel.Dns" || type.Name.StartsWith("SplitTunnel", StringComparison.Ordinal) || type.Name.StartsWith("DnsMessage", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TheSplitTunnelPackage_HoldsTheRouterTheParserAndTheirDrivers()
    {
        Assembly splitTunnel = typeof(Routing.SplitTunnelRouter).Assembly;
        Assert.Equal("Tunnel.SplitTunnel", splitTunnel.GetName().Name);
        Assert.Same(splitTunnel, typeof(Dns.DnsMessage).Assembly);
        Assert.Same(splitTunnel, typeof(Dns.DnsForwarder).Assembly);
        Assert.Same(splitTunnel, typeof(Routing.SplitTunnelController).Assembly);
        Assert.Same(splitTunnel, typeof(Routing.LinuxRouteApplier).Assembly);
    }
}
