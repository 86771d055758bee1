using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Tunnel.DependencyInjection;

/// <summary>Chooses the TUN device and the UDP sockets of the tunnel that <c>AddTunnel</c> registered.</summary>
public sealed class TunnelBuilder
{
    internal TunnelBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Creates the TUN device when the host starts (for example <c>LinuxTunDevice.Create("wg0")</c>).</summary>
    /// <param name="factory">Creates the device; the host owns and closes it.</param>
    /// <returns>This builder.</returns>
    public TunnelBuilder UseTunDevice(Func<IServiceProvider, ITunDevice> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(new TunDeviceFactory(factory)));
        return this;
    }

    /// <summary>Replaces the default plain-socket UDP factory (<see cref="Sockets.UdpDatagramSocketFactory"/>).</summary>
    /// <param name="factory">The factory.</param>
    /// <returns>This builder.</returns>
    public TunnelBuilder UseDatagramSockets(IDatagramSocketFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));
        return this;
    }

    internal sealed record TunDeviceFactory(Func<IServiceProvider, ITunDevice> Create);
}
