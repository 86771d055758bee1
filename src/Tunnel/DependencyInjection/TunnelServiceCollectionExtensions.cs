using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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

    /// <summary>
    /// Adds a connection brought up from a wg-quick <c>.conf</c> (see <see cref="TunnelConnection"/>) when the
    /// application starts and taken down when it stops, with its options bound from
    /// <paramref name="configuration"/> (for example <c>builder.Configuration.GetSection("Tunnel")</c>).
    /// Choose the platform with <c>UseSystemPlatform()</c> from <c>Tunnel.Platform</c>, or
    /// <see cref="TunnelConnectionBuilder.UsePlatform"/>; inject <see cref="TunnelConnectionService"/> to reach it.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section with <see cref="TunnelConnectionServiceOptions"/>' keys.</param>
    /// <returns>A builder for the platform.</returns>
    public static TunnelConnectionBuilder AddTunnelConnection(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TunnelConnectionServiceOptions>().Bind(configuration);
        return AddTunnelConnectionCore(services);
    }

    /// <summary>Adds a connection brought up from a wg-quick <c>.conf</c>, with options set in code; see the other overload.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for the platform.</returns>
    public static TunnelConnectionBuilder AddTunnelConnection(this IServiceCollection services, Action<TunnelConnectionServiceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<TunnelConnectionServiceOptions>().Configure(configure);
        return AddTunnelConnectionCore(services);
    }

    private static TunnelConnectionBuilder AddTunnelConnectionCore(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new TunnelConnectionService(provider.GetRequiredService<IOptions<TunnelConnectionServiceOptions>>(), provider));
        services.AddHostedService(provider => provider.GetRequiredService<TunnelConnectionService>());
        return new TunnelConnectionBuilder(services);
    }
}
