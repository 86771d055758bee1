using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tunnel.DependencyInjection.Internal;

internal static class TunnelHostFactory
{
    public static TunnelHost Create(IServiceProvider services)
    {
        TunnelBuilder.TunDeviceFactory device = services.GetService<TunnelBuilder.TunDeviceFactory>()
            ?? throw new InvalidOperationException("AddTunnel needs a TUN device: call UseTunDevice(...) on the builder it returns.");
        return new TunnelHost(
            services.GetRequiredService<IOptions<TunnelHostOptions>>().Value.Tunnel,
            device.Create(services),
            services.GetRequiredService<IDatagramSocketFactory>(),
            services.GetService<ILoggerFactory>(),
            services.GetService<TimeProvider>(),
            services.GetService<IMeterFactory>());
    }
}
