
namespace Tunnel.Connections;

/// <summary>
/// The operating system's side of a <see cref="TunnelConnection"/>: the ports through which it creates the
/// TUN device, binds the UDP socket, programs addresses and routes, and points the system resolver at the
/// tunnel's DNS servers. <c>Tunnel.Platform</c>'s <c>SystemTunnelPlatform.Current</c> is the one for the
/// running OS; tests and unusual hosts supply their own.
/// </summary>
public interface ITunnelPlatform
{
    /// <summary>Creates the TUN device.</summary>
    /// <param name="interfaceName">The interface's name (for example <c>wg0</c>).</param>
    /// <param name="mtu">Its MTU.</param>
    /// <returns>The device; the connection's <see cref="TunnelHost"/> owns and closes it.</returns>
    /// <exception cref="PlatformNotSupportedException">The OS has no TUN adapter here.</exception>
    ITunDevice CreateTunDevice(string interfaceName, int mtu);

    /// <summary>The factory for the UDP socket that carries the WireGuard messages.</summary>
    IDatagramSocketFactory DatagramSockets { get; }

    /// <summary>Creates the object that gives the interface its addresses and routes, and takes them away again.</summary>
    /// <param name="interfaceName">The interface, which exists by then.</param>
    /// <returns>The configurator, with nothing applied yet.</returns>
    /// <exception cref="PlatformNotSupportedException">The OS has no adapter here.</exception>
    ITunnelInterfaceConfigurator CreateInterfaceConfigurator(string interfaceName);

    /// <summary>Creates the object that points the system resolver at the tunnel's DNS servers while it is up.</summary>
    /// <param name="interfaceName">The interface the servers are reached through.</param>
    /// <returns>The configurator, with nothing applied yet.</returns>
    /// <exception cref="PlatformNotSupportedException">The OS has no adapter here.</exception>
    ISystemResolverConfigurator CreateResolverConfigurator(string interfaceName);
}
