using System.Runtime.Versioning;
using Tunnel.Connections;
using Tunnel.Sockets;

namespace Tunnel.Platform.Windows;

/// <summary>
/// The Windows adapters for a <see cref="TunnelConnection"/>: a <see cref="WindowsTunDevice"/> (Wintun; the
/// application ships <c>wintun.dll</c> beside itself), the portable <see cref="UdpDatagramSocketFactory"/>, a
/// <see cref="WindowsTunnelInterfaceConfigurator"/> and a <see cref="WindowsResolverConfigurator"/>. Needs an administrator.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class WindowsTunnelPlatform : ITunnelPlatform
{
    /// <summary>The platform with every default.</summary>
    public static WindowsTunnelPlatform Default { get; } = new();

    /// <summary>The UDP sockets; <see cref="UdpDatagramSocketFactory.Instance"/> by default.</summary>
    public IDatagramSocketFactory DatagramSockets { get; init; } = UdpDatagramSocketFactory.Instance;

    /// <summary>The options of each Wintun device, but for its MTU (the connection's).</summary>
    public WindowsTunDeviceOptions TunDevice { get; init; } = new();

    /// <summary>The resolver configurator's options, but for the interface name.</summary>
    public WindowsResolverOptions Resolver { get; init; } = new();

    /// <summary>
    /// Where the routes a connection adds outside its interface (a full tunnel's endpoint routes) are recorded, so the
    /// next connection removes what a crashed process left; <see cref="InterfaceRouteTable.DefaultStateDirectory"/> by
    /// default, null to record nothing.
    /// </summary>
    public string? RouteStateDirectory { get; init; } = InterfaceRouteTable.DefaultStateDirectory;

    /// <inheritdoc/>
    public ITunDevice CreateTunDevice(string interfaceName, int mtu) => WindowsTunDevice.Create(interfaceName, TunDevice with { Mtu = mtu });

    /// <inheritdoc/>
    public ITunnelInterfaceConfigurator CreateInterfaceConfigurator(string interfaceName) => new WindowsTunnelInterfaceConfigurator(interfaceName, RouteStateDirectory);

    /// <inheritdoc/>
    public ISystemResolverConfigurator CreateResolverConfigurator(string interfaceName) =>
        new WindowsResolverConfigurator(Resolver with { InterfaceName = interfaceName });
}
