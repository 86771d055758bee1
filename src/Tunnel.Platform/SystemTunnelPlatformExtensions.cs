using Tunnel.DependencyInjection;
using Tunnel.Platform;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the running OS's adapters for a connection that <c>AddTunnelConnection</c> added.</summary>
public static class SystemTunnelPlatformExtensions
{
    /// <summary>Uses <see cref="SystemTunnelPlatform.Current"/>: the Linux adapters on Linux, the macOS ones on macOS, the Windows ones on Windows; elsewhere opening fails with <see cref="PlatformNotSupportedException"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static TunnelConnectionBuilder UseSystemPlatform(this TunnelConnectionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UsePlatform(SystemTunnelPlatform.Current);
    }
}
