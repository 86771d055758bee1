using System.Net;
using Tunnel.Configuration;
using Tunnel.Net;

namespace Tunnel.Proxy.Tests;

/// <summary>A proxy server of one protocol on 127.0.0.1, its connections made through an in-process tunnel to a <see cref="FarPeer"/>.</summary>
internal sealed class ProxyOverTunnel : IAsyncDisposable
{
    private readonly FarPeer _far;
    private readonly TunnelNetwork _near;

    private ProxyOverTunnel(FarPeer far, TunnelNetwork near, ProxyServer server)
    {
        _far = far;
        _near = near;
        Server = server;
    }

    public ProxyServer Server { get; }

    public static async Task<ProxyOverTunnel> StartAsync(IProxyProtocol protocol, int seed, TimeSpan negotiationTimeout)
    {
        FarPeer far = await FarPeer.StartAsync(seed);
        TunnelNetwork near = await TunnelNetwork.StartAsync(WireGuardConfiguration.Parse(far.ClientConfiguration));
        var server = new ProxyServer(protocol, async (host, port, cancellationToken) => await near.ConnectAsync(host, port, cancellationToken)) { NegotiationTimeout = negotiationTimeout };
        server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        return new ProxyOverTunnel(far, near, server);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await _near.DisposeAsync();
        await _far.DisposeAsync();
    }
}
