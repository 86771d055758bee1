using Microsoft.Extensions.Logging;
using Tunnel.Configuration;

namespace Tunnel.Connections;

/// <summary>The connection an <see cref="ITunnelRouting"/> is attached to.</summary>
public sealed class TunnelRoutingContext
{
    /// <summary>Describes a connection being opened.</summary>
    /// <param name="interfaceName">The interface's name.</param>
    /// <param name="configuration">The configuration being brought up, without its private key.</param>
    /// <param name="platform">The platform's adapters.</param>
    /// <param name="loggerFactory">Where the connection's parts log.</param>
    /// <param name="timeProvider">The connection's clock.</param>
    public TunnelRoutingContext(string interfaceName, WireGuardConfiguration configuration, ITunnelPlatform platform, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        InterfaceName = interfaceName;
        Configuration = configuration.Interface.PrivateKey is null ? configuration : configuration with { Interface = configuration.Interface with { PrivateKey = null } };
        Platform = platform;
        LoggerFactory = loggerFactory;
        TimeProvider = timeProvider;
    }

    /// <summary>The interface's name.</summary>
    public string InterfaceName { get; }

    /// <summary>The configuration being brought up, without its private key.</summary>
    public WireGuardConfiguration Configuration { get; }

    /// <summary>The platform's adapters (for the system resolver, for example).</summary>
    public ITunnelPlatform Platform { get; }

    /// <summary>Where the connection's parts log.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The connection's clock.</summary>
    public TimeProvider TimeProvider { get; }
}
