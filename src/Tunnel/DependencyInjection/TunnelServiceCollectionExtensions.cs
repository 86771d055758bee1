using Microsoft.Extensions.DependencyInjection.Extensions;
using Tunnel;
using Tunnel.DependencyInjection;
using Tunnel.DependencyInjection.Internal;
using Tunnel.Sockets;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a <see cref="TunnelHost"/> that the generic host starts and stops.</summary>
public static class TunnelServiceCollectionExtensions
{
    /// <summary>
    /// Adds a tunnel: a <see cref="TunnelHost"/> singleton built from <see cref="TunnelHostOptions"/>, started
    /// (with its UAPI server, when asked for) by a hosted service and disposed when the application stops.
    /// Choose the TUN device with <see cref="TunnelBuilder.UseTunDevice"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for the device and sockets.</returns>
    public static TunnelBuilder AddTunnel(this IServiceCollection services, Action<TunnelHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TunnelHostOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<IDatagramSocketFactory>(UdpDatagramSocketFactory.Instance);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(TunnelHostFactory.Create);
        services.AddHostedService<TunnelHostedService>();
        return new TunnelBuilder(services);
    }
}
