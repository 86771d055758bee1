using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tunnel.Connections;

namespace Tunnel.DependencyInjection;

/// <summary>Chooses the platform adapters of the connection that <c>AddTunnelConnection</c> registered.</summary>
public sealed class TunnelConnectionBuilder
{
    internal TunnelConnectionBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Uses <paramref name="platform"/> for the TUN device, socket, routes and resolver
    /// (<c>UseSystemPlatform()</c> from <c>Tunnel.Platform</c> registers the running OS's).
    /// </summary>
    /// <param name="platform">The adapters.</param>
    /// <returns>This builder.</returns>
    public TunnelConnectionBuilder UsePlatform(ITunnelPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        Services.Replace(ServiceDescriptor.Singleton(platform));
        return this;
    }
}
