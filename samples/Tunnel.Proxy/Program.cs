using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tunnel.Configuration;
using Tunnel.Net;
using Tunnel.Proxy;

// tunnel-proxy: a SOCKS5 proxy whose connections leave through a WireGuard peer, from user space.
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
    await using var server = new Socks5Server(async (host, port, cancellationToken) => await network.ConnectAsync(host, port, cancellationToken));
    try
    {
        server.Start(arguments.Socks5);
    }
    catch (SocketException failure)
    {
        Console.Error.WriteLine($"tunnel-proxy: cannot listen on {arguments.Socks5}: {failure.Message}");
        return 1;
    }

    using var stopped = new CancellationTokenSource();
    using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopped.Cancel(); });
    using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopped.Cancel(); });
    Console.Out.WriteLine($"tunnel-proxy: SOCKS5 on {server.LocalEndPoint} through {string.Join(", ", network.Addresses)} ({configuration.Peers.Count} peer(s))");
    await Console.Out.FlushAsync();
    try
    {
        await Task.Delay(Timeout.Infinite, stopped.Token);
    }
    catch (OperationCanceledException)
    {
    }
}

return 0;
