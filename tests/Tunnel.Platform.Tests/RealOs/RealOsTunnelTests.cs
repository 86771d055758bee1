using System.Net;
using System.Net.NetworkInformation;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;
using Tunnel.Sockets;
using Tunnel.Testing;

namespace Tunnel.Platform.Tests.RealOs;

/// <summary>
/// The macOS and Windows adapters on the real OS (skipped elsewhere; see <see cref="RealOs.Require"/>): the adapter
/// made and removed, a ping through a two-peer tunnel over loopback, and the routes and DNS servers a connection sets
/// gone again when it closes, leaving the system as it was.
/// </summary>
public sealed class RealOsTunnelTests
{
    private static readonly IPAddress Local = IPAddress.Parse("10.77.0.1");
    private static readonly IPAddress Far = IPAddress.Parse("10.77.0.2");
    private static readonly IPAddress Dns = IPAddress.Parse("10.77.0.53");

    private static string AskedName => OperatingSystem.IsMacOS() ? "utun" : "tnt-realos";

    [Fact]
    public void TheAdapter_IsMadeWithItsMtu_AndRemovedOnDispose()
    {
        RealOs.Require();
        string name;
        using (ITunDevice device = SystemTunnelPlatform.Current.CreateTunDevice(AskedName, 1380))
        {
            name = device.Name;
            Assert.Equal(1380, device.Mtu);
            Assert.Contains(NetworkInterface.GetAllNetworkInterfaces(), nic => nic.Name == name);
        }

        Assert.DoesNotContain(NetworkInterface.GetAllNetworkInterfaces(), nic => nic.Name == name);
    }

    [Fact]
    public async Task AnMtuChangedFromOutside_IsFollowedByTheDevice()
    {
        RealOs.Require();
        using ITunDevice device = SystemTunnelPlatform.Current.CreateTunDevice(AskedName, 1420);

        // As an operator would change it: ifconfig on macOS (an RTM_IFINFO message), netsh on Windows (an interface change notification).
        if (OperatingSystem.IsMacOS())
        {
            _ = RealOs.Run("ifconfig", device.Name, "mtu", "1300");
        }
        else
        {
            _ = RealOs.Run("netsh", "interface", "ipv4", "set", "subinterface", device.Name, "mtu=1300", "store=active");
            _ = RealOs.Run("netsh", "interface", "ipv6", "set", "subinterface", device.Name, "mtu=1300", "store=active");
        }

        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (device.Mtu != 1300 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1300, device.Mtu);
    }

    [Fact]
    public async Task APing_CrossesATwoPeerTunnelOverLoopback_AndClosingLeavesTheSystemAsItWas()
    {
        RealOs.Require();
        string routesBefore = RealOs.Routes();
        var entropy = new DeterministicEntropy(77);
        PrivateKey ours = NewKey(entropy), theirs = NewKey(entropy);

        // The far peer: our engine over real loopback UDP, with an in-memory device that answers pings.
        var farDevice = new InMemoryTunDevice("far");
        await using var far = new TunnelHost(
            new TunnelOptions { PrivateKey = theirs, Peers = [new TunnelPeerOptions { PublicKey = ours.GetPublicKey(), AllowedIps = [new IPNetwork(Local, 32)] }] },
            farDevice,
            UdpDatagramSocketFactory.Instance);
        far.Start();
        using var responder = new IcmpResponder(farDevice);

        var configuration = WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {ours.ToBase64String()}
            Address = {Local}/32
            DNS = {Dns}

            [Peer]
            PublicKey = {theirs.GetPublicKey().ToBase64String()}
            AllowedIPs = 10.77.0.0/24
            Endpoint = 127.0.0.1:{far.ListenPort}
            """);
        string name;
        await using (TunnelConnection connection = await TunnelConnection.OpenAsync(configuration, new TunnelConnectionOptions { InterfaceName = AskedName, Platform = SystemTunnelPlatform.Current }, TestContext.Current.CancellationToken))
        {
            name = connection.InterfaceName;
            using var ping = new Ping();
            PingReply reply = await PingUntilAnswered(ping, Far);
            Assert.Equal(IPStatus.Success, reply.Status);
            Assert.True(responder.Answered > 0);

            Assert.Contains(name, RealOs.Routes(), StringComparison.Ordinal);
            Assert.Contains(Dns, DnsServers(name));
        }

        Assert.DoesNotContain(NetworkInterface.GetAllNetworkInterfaces(), nic => nic.Name == name);
        Assert.DoesNotContain(name, RealOs.Routes(), StringComparison.Ordinal);
        Assert.DoesNotContain(Dns.ToString(), OperatingSystem.IsMacOS() ? RealOs.Run("scutil", "--dns") : string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("10.77.0.", RealOs.Routes(), StringComparison.Ordinal);
        Assert.Equal(Lines(routesBefore).Where(Stable), Lines(RealOs.Routes()).Where(Stable));
    }

    private static async Task<PingReply> PingUntilAnswered(Ping ping, IPAddress address)
    {
        PingReply reply = await ping.SendPingAsync(address, TimeSpan.FromSeconds(2), cancellationToken: TestContext.Current.CancellationToken);
        for (int attempt = 0; attempt < 5 && reply.Status != IPStatus.Success; attempt++)
        {
            reply = await ping.SendPingAsync(address, TimeSpan.FromSeconds(2), cancellationToken: TestContext.Current.CancellationToken); // the first waits for the handshake
        }

        return reply;
    }

    private static IReadOnlyList<IPAddress> DnsServers(string interfaceName) => OperatingSystem.IsMacOS()
        ? [.. RealOs.Run("scutil", "--dns").Split('\n').Where(line => line.Contains("nameserver[", StringComparison.Ordinal)).Select(line => IPAddress.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()))]
        : [.. NetworkInterface.GetAllNetworkInterfaces().Single(nic => nic.Name == interfaceName).GetIPProperties().DnsAddresses];

    /// <summary>The route listing's lines, sorted.</summary>
    private static string[] Lines(string routes) =>
        [.. routes.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Whether a listing line is one a connection could leave behind: the routes the system clones and expires by
    /// itself (macOS's host and link-layer entries, flags W or L) come and go with any traffic.
    /// </summary>
    private static bool Stable(string line)
    {
        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return !(OperatingSystem.IsMacOS() && fields.Length > 2 && (fields[2].Contains('W', StringComparison.Ordinal) || fields[2].Contains('L', StringComparison.Ordinal)));
    }

    private static PrivateKey NewKey(DeterministicEntropy entropy)
    {
        Span<byte> seed = stackalloc byte[32];
        entropy.Fill(seed);
        return PrivateKey.Create(seed);
    }
}
