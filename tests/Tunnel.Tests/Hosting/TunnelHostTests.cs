using System.Net;
using System.Net.Sockets;
using System.Text;
using Tunnel.Core.Protocol;
using Tunnel.Sockets;
using Tunnel.Testing;
using Tunnel.Uapi;

namespace Tunnel.Tests.Hosting;

public sealed class TunnelHostTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    internal static byte[] Ping(IPAddress from, IPAddress to, string text) => PacketBuilder.IPv4(from, to, Encoding.ASCII.GetBytes(text));

    [Fact]
    public async Task TwoHosts_InMemory_HandshakeAndExchangePacketsBothWays()
    {
        var network = new InMemoryNetwork();
        var addressA = IPAddress.Parse("192.0.2.1");
        var addressB = IPAddress.Parse("192.0.2.2");
        await using var pair = HostPair.Start(network.CreateSocketFactory(addressA), network.CreateSocketFactory(addressB), addressB);

        byte[] request = Ping(HostPair.AddressA, HostPair.AddressB, "request");
        Assert.Equal(request, HostPair.Exchange(pair.TunA, pair.TunB, request, Timeout));
        byte[] reply = Ping(HostPair.AddressB, HostPair.AddressA, "reply");
        Assert.Equal(reply, HostPair.Exchange(pair.TunB, pair.TunA, reply, Timeout));

        // The pumps count after their system calls return, so the last counts may trail the packets by a moment.
        await HostPair.WaitUntil(() => pair.A.GetStatistics() is { TunnelPacketsWritten: >= 1, DatagramsSent: >= 2, DatagramsReceived: >= 2 });
        TunnelStatistics a = pair.A.GetStatistics();
        Assert.Equal(1, a.Handshakes);
        Assert.Equal(1, a.TunnelPacketsRead);
        Assert.Equal(1, a.TunnelPacketsWritten);
        // The initiation, then the request's transport message; back: the response and the reply.
        Assert.Equal(2, a.DatagramsSent);
        Assert.Equal(2, a.DatagramsReceived);

        // B learned A's endpoint from the authenticated handshake: the address and port A sends from.
        UapiPeerState peerOfB = Assert.Single(pair.B.GetState().Peers);
        Assert.Equal(new IPEndPoint(addressA, pair.A.ListenPort), peerOfB.Endpoint);
        Assert.NotNull(peerOfB.LastHandshake);
    }

    [Fact]
    public async Task TwoHosts_OverLoopbackUdp_ExchangeManyPacketsInOrder()
    {
        await using var pair = HostPair.Start(UdpDatagramSocketFactory.Instance, UdpDatagramSocketFactory.Instance, IPAddress.Loopback);
        Assert.NotEqual(0, pair.A.ListenPort);
        Assert.NotEqual(pair.A.ListenPort, pair.B.ListenPort);

        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Ping(HostPair.AddressA, HostPair.AddressB, "first"), Timeout));
        var received = new byte[2048];
        for (int i = 0; i < 500; i++)
        {
            byte[] packet = Ping(HostPair.AddressA, HostPair.AddressB, $"packet {i}");
            Assert.True(pair.TunA.TryInject(packet, Timeout));
            Assert.True(pair.TunB.TryTake(received, out int length, Timeout), $"packet {i} did not arrive");
            Assert.Equal(packet, received[..length]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task ABurstOfPackets_ArrivesIntactAndInOrder_WithAnyNumberOfCryptoHelpers(int helpers)
    {
        // A burst fills the pumps' batches (64 packets), so the seals and opens are shared with the helpers.
        await using var pair = HostPair.StartInMemory(cryptoHelpers: helpers);
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Ping(HostPair.AddressA, HostPair.AddressB, "first"), Timeout));
        var random = new Random(helpers);
        byte[][] packets = new byte[600][];
        for (int i = 0; i < packets.Length; i++)
        {
            byte[] payload = new byte[random.Next(1, 1373)];
            random.NextBytes(payload);
            BitConverter.TryWriteBytes(payload, i);
            packets[i] = PacketBuilder.IPv4(HostPair.AddressA, HostPair.AddressB, payload);
        }

        foreach (byte[] packet in packets)
        {
            Assert.True(pair.TunA.TryInject(packet, Timeout));
        }

        var received = new byte[2048];
        for (int i = 0; i < packets.Length; i++)
        {
            Assert.True(pair.TunB.TryTake(received, out int length, Timeout), $"packet {i} did not arrive");
            Assert.Equal(packets[i], received[..length]);
        }

        Assert.Equal(0, pair.TunB.WriteDrops);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1025)]
    public void CryptoHelperThreads_OutOfRange_IsRefused(int helpers) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TunnelHost(new TunnelOptions { CryptoHelperThreads = helpers }, new InMemoryTunDevice(), new InMemoryNetwork().CreateSocketFactory(HostPair.UnderlayA)));

    [Fact]
    public async Task PacketWithDisallowedInnerSource_IsDroppedAndCounted()
    {
        await using var pair = HostPair.StartInMemory();
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Ping(HostPair.AddressA, HostPair.AddressB, "ok"), Timeout));

        // A routes 10.0.0.2 to B, but B only accepts 10.0.0.1 as A's source.
        byte[] spoofed = Ping(IPAddress.Parse("10.9.9.9"), HostPair.AddressB, "spoofed");
        Assert.Null(HostPair.Exchange(pair.TunA, pair.TunB, spoofed, TimeSpan.FromMilliseconds(300)));
        Assert.Equal(1, pair.B.GetStatistics().Drops[DropReason.DisallowedSource]);
    }

    [Fact]
    public async Task ListenPortChange_RebindsAndThePeerFollows()
    {
        await using var pair = HostPair.StartInMemory();
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Ping(HostPair.AddressA, HostPair.AddressB, "before"), Timeout));

        // A moves to another port (roaming from B's point of view); its next packet updates B's endpoint.
        pair.A.SetListenPort(40000);
        Assert.Equal(40000, pair.A.ListenPort);
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Ping(HostPair.AddressA, HostPair.AddressB, "after"), Timeout));
        Assert.Equal(40000, Assert.Single(pair.B.GetState().Peers).Endpoint!.Port);
        Assert.NotNull(HostPair.Exchange(pair.TunB, pair.TunA, Ping(HostPair.AddressB, HostPair.AddressA, "reply"), Timeout));
    }

    [Fact]
    public async Task ListenPortInUse_FailsWithEaddrinuse_AndKeepsTheConfiguration()
    {
        var network = new InMemoryNetwork();
        await using var pair = HostPair.StartInMemory(network);
        using var squatter = network.CreateSocketFactory(HostPair.UnderlayA).Bind(40001, 0);
        UapiDeviceState before = pair.A.GetState();

        var request = new UapiSetRequest
        {
            ListenPort = 40001,
            ReplacePeers = true,
        };
        Assert.Equal(UapiErrno.AddressInUse, UapiHandler.Set(pair.A, request, out string? error));
        Assert.Contains("40001", error, StringComparison.Ordinal);
        var typed = Assert.Throws<SocketException>(() => pair.A.SetListenPort(40001));
        Assert.Equal(SocketError.AddressAlreadyInUse, typed.SocketErrorCode);
        Assert.Contains("40001", typed.Message, StringComparison.Ordinal);

        UapiDeviceState after = pair.A.GetState();
        Assert.Equal(before.ListenPort, after.ListenPort);
        Assert.Equal(before.Peers.Select(peer => peer.PublicKey), after.Peers.Select(peer => peer.PublicKey));
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Ping(HostPair.AddressA, HostPair.AddressB, "still up"), Timeout));
    }

    [Fact]
    public async Task FirewallMarkChange_MarksTheSameSocket_WithoutRebinding()
    {
        await using var pair = HostPair.StartInMemory();
        ushort port = pair.A.ListenPort;

        // wg setconf sends the unchanged port together with the mark: neither may rebind the port.
        Assert.Equal(0, UapiHandler.Set(pair.A, new UapiSetRequest { ListenPort = port, FwMark = 0x1234 }, out string? error));
        Assert.Null(error);
        Assert.Equal(port, pair.A.ListenPort);
        Assert.Equal(0x1234u, pair.A.GetState().FwMark);
        pair.A.SetFirewallMark(0x4321);
        Assert.Equal(port, pair.A.ListenPort);
        Assert.Equal(0x4321u, pair.A.GetStatus().FirewallMark);
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, Ping(HostPair.AddressA, HostPair.AddressB, "marked"), Timeout));
    }

    [Fact]
    public async Task Dispose_CompletesAndClosesTheTunDevice()
    {
        var tun = new InMemoryTunDevice();
        var host = new TunnelHost(new TunnelOptions(), tun, new InMemoryNetwork().CreateSocketFactory(IPAddress.Loopback));
        host.Start();
        Assert.Null(host.PublicKey); // no key configured: none reported, as a fresh wireguard-go
        Assert.Null(host.GetState().PrivateKey);
        await host.DisposeAsync();
        await host.Completion.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.False(tun.TryInject(new byte[20]));
    }
}
