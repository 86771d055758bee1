using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;
using Tunnel.DependencyInjection;
using Tunnel.Testing;
using Tunnel.Tests.Hosting;
using Tunnel.Uapi;

namespace Tunnel.Tests.Connections;

public sealed class AddTunnelConnectionTests
{
    private static readonly PrivateKey Key = HostPair.NewKey(new DeterministicEntropy(51));
    private static readonly PublicKey Peer = HostPair.NewKey(new DeterministicEntropy(52)).GetPublicKey();

    private static string WriteConf(string directory, string name = "corp0.conf")
    {
        string path = Path.Combine(directory, name);
        File.WriteAllText(path, $"""
            [Interface]
            PrivateKey = {Key.ToBase64String()}
            ListenPort = 41100
            Address = 10.77.0.2/24
            DNS = 10.77.0.53

            [Peer]
            PublicKey = {Peer.ToBase64String()}
            AllowedIPs = 10.77.0.0/24
            Endpoint = 192.0.2.9:51820
            """);
        return path;
    }

    [Fact]
    public async Task OptionsBoundFromConfiguration_BringTheFileUp_AndStoppingTakesItDown()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-di-conn-").FullName;
        string socket = Path.Combine(directory, "uapi.sock");
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tunnel:ConfigurationFile"] = WriteConf(directory),
            ["Tunnel:ConfigureDns"] = "false",
            ["Tunnel:ServeUapi"] = "true",
            ["Tunnel:UapiSocketPath"] = socket,
        }).Build();
        var platform = new FakeTunnelPlatform(new InMemoryNetwork(), IPAddress.Parse("192.0.2.1"));
        var services = new ServiceCollection();
        services.AddTunnelConnection(configuration.GetSection("Tunnel")).UsePlatform(platform);
        await using ServiceProvider provider = services.BuildServiceProvider();

        IHostedService hosted = Assert.Single(provider.GetServices<IHostedService>());
        await hosted.StartAsync(TestContext.Current.CancellationToken);
        TunnelConnection connection = provider.GetRequiredService<TunnelConnectionService>().Connection;
        Assert.Equal("corp0", connection.InterfaceName); // from the file's name, as wg-quick names it
        Assert.Equal(41100, connection.Host.ListenPort);
        Assert.Equal(Peer, Assert.Single(connection.Host.GetPeers()).PublicKey);
        Assert.False(connection.ResolverConfigured);
        Assert.Equal(41100, (await new UapiClient(socket).GetAsync(TestContext.Current.CancellationToken)).ListenPort);

        await hosted.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal("tun corp0 closed", platform.Journal[^1]);
        Assert.Contains("interface undone", platform.Journal);
        Assert.False(File.Exists(socket));
        Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<TunnelConnectionService>().Connection);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task AnInterfaceName_OverridesTheFilesName()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-di-conn-").FullName;
        var platform = new FakeTunnelPlatform(new InMemoryNetwork(), IPAddress.Parse("192.0.2.1"));
        var services = new ServiceCollection();
        services.AddTunnelConnection(options =>
        {
            options.ConfigurationFile = WriteConf(directory);
            options.InterfaceName = "vpn7";
        }).UsePlatform(platform);
        await using ServiceProvider provider = services.BuildServiceProvider();
        var service = provider.GetRequiredService<TunnelConnectionService>();
        await service.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal("vpn7", service.Connection.InterfaceName);
        Assert.True(service.Connection.ResolverConfigured);
        await service.StopAsync(TestContext.Current.CancellationToken);
        Assert.Contains("resolver restored", platform.Journal);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task OpenOnStartOff_TheHostStartsDisconnected_AndTheApplicationOpensAndClosesOnDemand()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-di-conn-").FullName;
        var platform = new FakeTunnelPlatform(new InMemoryNetwork(), IPAddress.Parse("192.0.2.1"));
        var services = new ServiceCollection();
        services.AddTunnelConnection(options =>
        {
            options.OpenOnStart = false;
            options.InterfaceName = "corp1";
        }).UsePlatform(platform);
        await using ServiceProvider provider = services.BuildServiceProvider();
        var service = provider.GetRequiredService<TunnelConnectionService>();
        IHostedService hosted = Assert.Single(provider.GetServices<IHostedService>());

        await hosted.StartAsync(TestContext.Current.CancellationToken);
        Assert.False(service.IsOpen);
        Assert.Empty(platform.Journal);

        var configuration = WireGuardConfiguration.Parse(File.ReadAllText(WriteConf(directory)));
        TunnelConnection first = await service.OpenAsync(configuration, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Same(first, service.Connection);
        Assert.Equal("corp1", first.InterfaceName);
        await Assert.ThrowsAsync<InvalidOperationException>(() => service.OpenAsync(configuration, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Single(platform.Devices); // the refused second opening made nothing

        await service.CloseAsync();
        Assert.False(service.IsOpen);
        Assert.Equal("tun corp1 closed", platform.Journal[^1]);
        await service.CloseAsync(); // nothing open: nothing to do

        TunnelConnection second = await service.OpenAsync(configuration, cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotSame(first, second);
        await hosted.StopAsync(TestContext.Current.CancellationToken); // the host's stop closes what is open
        Assert.False(service.IsOpen);
        Assert.Equal(2, platform.Journal.Count(step => step == "tun corp1 closed"));
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task WithoutAContainer_TheServiceComposesFromWhatItIsGiven()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-di-conn-").FullName;
        var platform = new FakeTunnelPlatform(new InMemoryNetwork(), IPAddress.Parse("192.0.2.1"));
        await using var service = new TunnelConnectionService(new TunnelConnectionServiceOptions { OpenOnStart = false, ConfigureDns = false }, platform);
        var configuration = WireGuardConfiguration.Parse(File.ReadAllText(WriteConf(directory)));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.OpenAsync(configuration, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("InterfaceName", error.Message, StringComparison.Ordinal);
        Assert.Empty(platform.Journal);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task WithoutAPlatform_OrAFile_StartingSaysWhatIsMissing()
    {
        var services = new ServiceCollection();
        services.AddTunnelConnection(options => options.ConfigurationFile = "/nonexistent/wg0.conf");
        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetRequiredService<TunnelConnectionService>().StartAsync(TestContext.Current.CancellationToken));
            Assert.Contains("UseSystemPlatform", error.Message, StringComparison.Ordinal);
        }

        services = new ServiceCollection();
        services.AddTunnelConnection(_ => { }).UsePlatform(new FakeTunnelPlatform(new InMemoryNetwork(), IPAddress.Loopback));
        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetRequiredService<TunnelConnectionService>().StartAsync(TestContext.Current.CancellationToken));
            Assert.Contains("ConfigurationFile", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ABadFile_StopsTheStart_NamingTheLine_AndLeavesNothing()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-di-conn-").FullName;
        string path = Path.Combine(directory, "bad0.conf");
        File.WriteAllText(path, "[Interface]\nPrivateKey = " + Key.ToBase64String() + "\nListenPort = many\n");
        var platform = new FakeTunnelPlatform(new InMemoryNetwork(), IPAddress.Loopback);
        var services = new ServiceCollection();
        services.AddTunnelConnection(options => options.ConfigurationFile = path).UsePlatform(platform);
        await using ServiceProvider provider = services.BuildServiceProvider();
        var error = await Assert.ThrowsAsync<WireGuardConfigurationException>(() => provider.GetRequiredService<TunnelConnectionService>().StartAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("line 3:", error.Message, StringComparison.Ordinal);
        Assert.Empty(platform.Journal);
        Directory.Delete(directory, recursive: true);
    }
}
