using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tunnel.Testing;
using Tunnel.Uapi;

namespace Tunnel.Tests.Hosting;

public sealed class AddTunnelTests
{
    [Fact]
    public async Task TheHostedService_StartsTheHostAndItsUapi_AndStopsThem()
    {
        string socket = Path.Combine(Directory.CreateTempSubdirectory("tunnel-di-").FullName, "di.sock");
        var tun = new InMemoryTunDevice("di0");
        var services = new ServiceCollection();
        services.AddTunnel(options =>
            {
                options.Tunnel = new TunnelOptions { ListenPort = 41000 };
                options.ServeUapi = true;
                options.UapiSocketPath = socket;
            })
            .UseTunDevice(_ => tun)
            .UseDatagramSockets(new InMemoryNetwork().CreateSocketFactory(IPAddress.Loopback));
        await using ServiceProvider provider = services.BuildServiceProvider();

        IHostedService service = Assert.Single(provider.GetServices<IHostedService>());
        await service.StartAsync(TestContext.Current.CancellationToken);
        TunnelHost host = provider.GetRequiredService<TunnelHost>();
        Assert.Equal(41000, host.ListenPort);
        Assert.Equal(41000, (await new UapiClient(socket).GetAsync(TestContext.Current.CancellationToken)).ListenPort);

        await service.StopAsync(TestContext.Current.CancellationToken);
        await host.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.False(File.Exists(socket));
        Assert.False(tun.TryInject(new byte[20]));
    }

    [Fact]
    public void WithoutATunDevice_ResolvingTheHostSaysWhatIsMissing()
    {
        var services = new ServiceCollection();
        services.AddTunnel();
        using ServiceProvider provider = services.BuildServiceProvider();
        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<TunnelHost>());
        Assert.Contains("UseTunDevice", error.Message, StringComparison.Ordinal);
    }
}
