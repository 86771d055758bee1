using System.Runtime.Versioning;
using Tunnel.Connections;
using Tunnel.Sockets;

namespace Tunnel.Platform.Darwin;

/// <summary>
/// The macOS adapters for a <see cref="TunnelConnection"/>: a <see cref="DarwinTunDevice"/> (utun), the portable
/// <see cref="UdpDatagramSocketFactory"/>, a <see cref="DarwinTunnelInterfaceConfigurator"/> and a
/// <see cref="DarwinResolverConfigurator"/>. Needs root.
/// </summary>
[SupportedOSPlatform("macos")]
public sealed class DarwinTunnelPlatform : ITunnelPlatform
{
    /// <summary>The platform with every default.</summary>
    public static DarwinTunnelPlatform Default { get; } = new();

    /// <summary>The UDP sockets; <see cref="UdpDatagramSocketFactory.Instance"/> by default.</summary>
    public IDatagramSocketFactory DatagramSockets { get; init; } = UdpDatagramSocketFactory.Instance;

    /// <summary>The options of each utun device, but for its MTU (the connection's).</summary>
    public DarwinTunDeviceOptions TunDevice { get; init; } = new();

    /// <summary>
    /// The resolver configurator's options, but for the interface name; <see cref="DarwinResolverOptions"/>'s defaults.
    /// Its state file is one for the machine, not one per interface: the kernel may give a tunnel another utunN
    /// after a crash, and the primary service's DNS entry can be overridden by one tunnel at a time.
    /// </summary>
    public DarwinResolverOptions Resolver { get; init; } = new();

    /// <summary>
    /// Where the routes a connection adds outside its interface (a full tunnel's endpoint routes) are recorded, so the
    /// next connection removes what a crashed process left; <see cref="InterfaceRouteTable.DefaultStateDirectory"/> by
    /// default, null to record nothing.
    /// </summary>
    public string? RouteStateDirectory { get; init; } = InterfaceRouteTable.DefaultStateDirectory;

    /// <inheritdoc/>
    public ITunDevice CreateTunDevice(string interfaceName, int mtu) => DarwinTunDevice.Create(interfaceName, TunDevice with { Mtu = mtu });

    /// <inheritdoc/>
    public ITunnelInterfaceConfigurator CreateInterfaceConfigurator(string interfaceName) => new DarwinTunnelInterfaceConfigurator(interfaceName, RouteStateDirectory);

    /// <inheritdoc/>
    public ISystemResolverConfigurator CreateResolverConfigurator(string interfaceName) =>
        new DarwinResolverConfigurator(Resolver with { InterfaceName = interfaceName });
}
