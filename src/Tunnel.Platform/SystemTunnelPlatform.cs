using Tunnel.Connections;
using Tunnel.Platform.Darwin;
using Tunnel.Platform.Linux;
using Tunnel.Platform.Windows;

namespace Tunnel.Platform;

/// <summary>The <see cref="ITunnelPlatform"/> of the running operating system, for <see cref="TunnelConnectionOptions.Platform"/>.</summary>
public static class SystemTunnelPlatform
{
    /// <summary>
    /// The adapters for this OS: <see cref="LinuxTunnelPlatform.Default"/> on Linux, <see cref="DarwinTunnelPlatform.Default"/>
    /// on macOS, <see cref="WindowsTunnelPlatform.Default"/> on Windows; elsewhere a platform whose every member throws
    /// <see cref="PlatformNotSupportedException"/> naming the OS.
    /// </summary>
    public static ITunnelPlatform Current { get; } =
        OperatingSystem.IsLinux() ? LinuxTunnelPlatform.Default
        : OperatingSystem.IsMacOS() ? DarwinTunnelPlatform.Default
        : OperatingSystem.IsWindows() ? WindowsTunnelPlatform.Default
        : new Unsupported();

    private sealed class Unsupported : ITunnelPlatform
    {
        public IDatagramSocketFactory DatagramSockets => throw NotSupported();

        public ITunDevice CreateTunDevice(string interfaceName, int mtu) => throw NotSupported();

        public ITunnelInterfaceConfigurator CreateInterfaceConfigurator(string interfaceName) => throw NotSupported();

        public ISystemResolverConfigurator CreateResolverConfigurator(string interfaceName) => throw NotSupported();

        private static PlatformNotSupportedException NotSupported() =>
            new($"Tunnel has no TUN, route or resolver adapters for {System.Runtime.InteropServices.RuntimeInformation.OSDescription} yet: Linux, macOS and Windows are supported. Supply an ITunnelPlatform of your own, or use the library without a TUN device.");
    }
}
