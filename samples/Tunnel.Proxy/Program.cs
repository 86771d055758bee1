using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tunnel.Configuration;
using Tunnel.Net;
using Tunnel.Proxy;

// tunnel-proxy: a SOCKS5 and HTTP proxy whose connections leave through a WireGuard peer, from user space.
ProxyArguments? arguments = ProxyArguments.Parse(args, out string? error);
if (arguments is null)
{
    (error is null ? Console.Out : Console.Error).WriteLine(error is null ? ProxyArguments.Usage : $"tunnel-proxy: {error}\n{ProxyArguments.Usage}");
    return error is null ? 0 : 2;
}

WireGuardConfiguration configuration;
try
{
    configuration = WireGuardConfiguration.Parse(await File.ReadAllTextAsync(arguments.ConfigPath));
}
catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or WireGuardConfigurationException)
{
    Console.Error.WriteLine($"tunnel-proxy: cannot read {arguments.ConfigPath}: {failure.Message}");
    return 1;
}

TunnelNetwork network;
try
{
    network = await TunnelNetwork.StartAsync(configuration);
}
catch (Exception failure) when (failure is ArgumentException or SocketException)
{
    Console.Error.WriteLine($"tunnel-proxy: cannot bring {arguments.ConfigPath} up: {failure.Message}");
    return 1;
}

await using (network)
{
    Func<string, int, CancellationToken, Task<Stream>> connect = async (host, port, cancellationToken) => await network.ConnectAsync(host, port, cancellationToken);
    var servers = new List<ProxyServer>();
    try
    {
        foreach ((IProxyProtocol protocol, IPEndPoint? endpoint) in new (IProxyProtocol, IPEndPoint?)[] { (Socks5Protocol.Instance, arguments.Socks5), (HttpProxyProtocol.Instance, arguments.Http) })
        {
            if (endpoint is null)
            {
                continue;
            }

            var server = new ProxyServer(protocol, connect);
            servers.Add(server);
            try
            {
                server.Start(endpoint);
            }
            catch (SocketException failure)
            {
                Console.Error.WriteLine($"tunnel-proxy: cannot listen on {endpoint}: {failure.Message}");
                return 1;
            }
        }

        using var stopped = new CancellationTokenSource();
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopped.Cancel(); });
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopped.Cancel(); });
        string listening = string.Join(", ", servers.Select(server => $"{server.Protocol.Name} on {server.LocalEndPoint}"));
        Console.Out.WriteLine($"tunnel-proxy: {listening} through {string.Join(", ", network.Addresses)} ({configuration.Peers.Count} peer(s))");
        await Console.Out.FlushAsync();
        try
        {
            await Task.Delay(Timeout.Infinite, stopped.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
    finally
    {
        foreach (ProxyServer server in servers)
        {
            await server.DisposeAsync();
        }
    }
}

return 0;
