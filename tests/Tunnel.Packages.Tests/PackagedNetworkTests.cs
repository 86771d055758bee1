using System.Net;
using System.Net.NetworkInformation;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;
using Tunnel.Net;
using Tunnel.Testing;

namespace Tunnel.Packages.Tests;

/// <summary>The in-process network from the Tunnel.Net package: two peers over 127.0.0.1, as an ordinary user, ping each other.</summary>
public sealed class PackagedNetworkTests
{
    [Fact]
    public async Task TwoInProcessNetworks_PingEachOtherThroughTheTunnel()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        PrivateKey a = NewKey(11), b = NewKey(12);
        await using TunnelNetwork far = await TunnelNetwork.StartAsync(WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {b.ToBase64String()}
            Address = 10.98.0.2/32

            [Peer]
            PublicKey = {a.GetPublicKey().ToBase64String()}
            AllowedIPs = 10.98.0.1/32
            """), cancellationToken: token);
        await using TunnelNetwork near = await TunnelNetwork.StartAsync(WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {a.ToBase64String()}
            Address = 10.98.0.1/32

            [Peer]
            PublicKey = {b.GetPublicKey().ToBase64String()}
            AllowedIPs = 10.98.0.2/32
            Endpoint = 127.0.0.1:{far.Host.ListenPort}
            """), cancellationToken: token);

        IPStatus status = IPStatus.Unknown;
        for (int attempt = 0; attempt < 20 && status != IPStatus.Success; attempt++)
        {
            status = (await near.PingAsync(IPAddress.Parse("10.98.0.2"), TimeSpan.FromSeconds(1), token)).Status; // the first starts the handshake
        }

        Assert.Equal(IPStatus.Success, status);
    }

    private static PrivateKey NewKey(int seed)
    {
        var bytes = new byte[32];
        new DeterministicEntropy(seed).Fill(bytes);
        return PrivateKey.Create(bytes);
    }
}
