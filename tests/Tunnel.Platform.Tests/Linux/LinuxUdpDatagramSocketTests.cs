using System.Net;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Core;
using Tunnel.Core.Tests.Support;
using Tunnel.Platform.Linux;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>The batched UDP adapter over loopback, with every combination of its features on and off.</summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxUdpDatagramSocketTests
{
    public static TheoryData<bool, bool, bool, string> Features()
    {
        var data = new TheoryData<bool, bool, bool, string>();
        foreach (bool batching in new[] { true, false })
        {
            foreach (bool segmentation in new[] { true, false })
            {
                foreach (bool coalescing in new[] { true, false })
                {
                    data.Add(batching, segmentation, coalescing, "127.0.0.1");
                }
            }
        }

        data.Add(true, true, true, "::1");
        return data;
    }

    [Theory]
    [MemberData(nameof(Features))]
    public void Datagrams_ArriveWhole_InOrder_WithTheirSource(bool batching, bool segmentation, bool coalescing, string address)
    {
        Requirements.Linux();
        var factory = new LinuxUdpDatagramSocketFactory { EnableBatching = batching, EnableSegmentation = segmentation, EnableReceiveCoalescing = coalescing };
        using var sender = (LinuxUdpDatagramSocket)factory.Bind(0, 0);
        using var receiver = (LinuxUdpDatagramSocket)factory.Bind(0, 0);
        Assert.Equal(coalescing, receiver.ReceiveCoalescing);
        Assert.Equal(segmentation && batching, sender.Segmentation);

        // Runs of equal sizes with shorter ends, as the engine sends them: GSO takes each run in one message.
        byte[][] datagrams = RandomDatagrams([.. Enumerable.Repeat(1452, 50), 700, .. Enumerable.Repeat(1452, 3), 100, 32, 32, 32, .. Enumerable.Repeat(148, 2), 1452]);
        var destination = new UdpEndpoint(IPAddress.Parse(address).GetAddressBytes(), receiver.Port);
        Assert.Equal(datagrams.Length, sender.Send([.. datagrams.Select(d => (ReadOnlyMemory<byte>)d)], destination));

        List<byte[]> received = ReceiveAll(receiver, datagrams.Length, out List<UdpEndpoint> sources);
        Assert.Equal(datagrams, received);
        Assert.All(sources, source => Assert.Equal(new UdpEndpoint(IPAddress.Parse(address).GetAddressBytes(), sender.Port), source.WithoutLocal()));
        Assert.All(sources, source => Assert.Equal(IPAddress.Parse(address).GetAddressBytes(), source.LocalAddressBytes.ToArray())); // on loopback, the destination is the source
        Assert.Equal(0, receiver.TruncatedDatagrams);
        if (batching && segmentation && coalescing)
        {
            Assert.True(receiver.CoalescedReceives > 0, "loopback passes GSO sends whole, so GRO must have seen a coalesced datagram");
        }
    }

    [Theory]
    [MemberData(nameof(Features))]
    public void LeasedDatagrams_AreTheSameBytes_AndCoalescedOnesAreLentWhereTheyLie(bool batching, bool segmentation, bool coalescing, string address)
    {
        Requirements.Linux();
        var factory = new LinuxUdpDatagramSocketFactory { EnableBatching = batching, EnableSegmentation = segmentation, EnableReceiveCoalescing = coalescing };
        using var sender = (LinuxUdpDatagramSocket)factory.Bind(0, 0);
        using var receiver = (LinuxUdpDatagramSocket)factory.Bind(0, 0);
        byte[][] datagrams = RandomDatagrams([.. Enumerable.Repeat(1452, 40), 700, .. Enumerable.Repeat(1452, 3), 32, 32, 148, 1452]);
        var destination = new UdpEndpoint(IPAddress.Parse(address).GetAddressBytes(), receiver.Port);
        Assert.Equal(datagrams.Length, sender.Send([.. datagrams.Select(d => (ReadOnlyMemory<byte>)d)], destination));

        byte[][] ours = [.. Enumerable.Range(0, 128).Select(_ => new byte[2048])];
        var batch = new Memory<byte>[128];
        var from = new UdpEndpoint[128];
        var received = new List<byte[]>();
        int lent = 0;
        while (received.Count < datagrams.Length)
        {
            for (int i = 0; i < batch.Length; i++)
            {
                batch[i] = ours[i];
            }

            int count = receiver.ReceiveLeased(batch, from);
            Assert.True(count > 0, "the socket closed");
            for (int i = 0; i < count; i++)
            {
                Assert.True(MemoryMarshal.TryGetArray((ReadOnlyMemory<byte>)batch[i], out ArraySegment<byte> segment));
                if (!ReferenceEquals(segment.Array, ours[i]))
                {
                    lent++;
                }

                // Lent memory is the caller's to open in place until the next receive.
                batch[i].Span[0] ^= 0xFF;
                batch[i].Span[0] ^= 0xFF;
                received.Add(batch[i].ToArray());
                Assert.Equal(new UdpEndpoint(IPAddress.Parse(address).GetAddressBytes(), sender.Port), from[i].WithoutLocal());
            }
        }

        Assert.Equal(datagrams, received);
        Assert.Equal(coalescing ? datagrams.Length : 0, lent); // with GRO every datagram stays where it landed
    }

    [Fact]
    public void DualStackSocket_ReachesAndReportsIPv4Peers()
    {
        Requirements.Linux();
        using var sender = LinuxUdpDatagramSocketFactory.Instance.Bind(0, 0);
        using var receiver = LinuxUdpDatagramSocketFactory.Instance.Bind(0, 0);
        byte[] datagram = [1, 2, 3, 4, 5];
        Assert.Equal(1, sender.Send([datagram], new UdpEndpoint([127, 0, 0, 1], receiver.Port)));

        List<byte[]> received = ReceiveAll(receiver, 1, out List<UdpEndpoint> sources);
        Assert.Equal(datagram, received[0]);
        Assert.False(sources[0].IsIPv6);
        Assert.Equal(sender.Port, sources[0].Port);
    }

    [Theory]
    [InlineData(true, "127.0.0.2")]
    [InlineData(false, "127.0.0.1")]
    public void Replies_LeaveFromTheAddressThePeerWroteTo(bool sticky, string expectedSource)
    {
        Requirements.Linux();
        using var ours = (LinuxUdpDatagramSocket)new LinuxUdpDatagramSocketFactory { EnableStickySource = sticky }.Bind(0, 0);
        Assert.Equal(sticky, ours.StickySource);
        using var peer = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        peer.ReceiveTimeout = 5000;

        // The peer writes to 127.0.0.2, a local address the kernel would not pick for a reply to 127.0.0.1.
        peer.SendTo([1, 2, 3], new IPEndPoint(IPAddress.Parse("127.0.0.2"), ours.Port));
        List<byte[]> received = ReceiveAll(ours, 1, out List<UdpEndpoint> sources);
        Assert.Equal([1, 2, 3], received[0]);
        Assert.Equal(sticky, sources[0].HasLocalAddress);
        if (sticky)
        {
            Assert.Equal([127, 0, 0, 2], sources[0].LocalAddressBytes.ToArray());
            Assert.True(sources[0].LocalInterfaceIndex > 0, "IP_PKTINFO names the loopback interface");
        }

        Assert.Equal(1, ours.Send([new byte[] { 4, 5 }, new byte[] { 6, 7 }], sources[0]) > 0 ? 1 : 0);

        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        for (int i = 0; i < 2; i++)
        {
            int length = peer.ReceiveFrom(new byte[16], ref from);
            Assert.Equal(2, length);
            Assert.Equal(new IPEndPoint(IPAddress.Parse(expectedSource), ours.Port), from);
        }

        // Without its local part the endpoint is the system's to route: the reply leaves from 127.0.0.1.
        Assert.Equal(1, ours.Send([new byte[] { 8 }], sources[0].WithoutLocal()));
        peer.ReceiveFrom(new byte[16], ref from);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, ours.Port), from);
    }

    [Fact]
    public void AnAddressRemovedUnderAPeer_IsForgotten_AndRepliesStillLeave()
    {
        Requirements.RootAndTun(); // root, to add an address to lo
        string address = $"fd00:7e57:{Random.Shared.Next(0x10000):x}::1";
        Requirements.Run("ip", "-6", "address", "add", $"{address}/128", "dev", "lo", "nodad");
        try
        {
            WaitForLocalRoute(address);
            using var ours = (LinuxUdpDatagramSocket)LinuxUdpDatagramSocketFactory.Instance.Bind(0, 0);
            using var peer = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            peer.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            peer.ReceiveTimeout = 5000;
            peer.SendTo([1], new IPEndPoint(IPAddress.Parse(address), ours.Port));
            ReceiveAll(ours, 1, out List<UdpEndpoint> sources);

            Assert.Equal(1, ours.Send([new byte[] { 2 }], sources[0]));
            EndPoint from = new IPEndPoint(IPAddress.IPv6Any, 0);
            peer.ReceiveFrom(new byte[16], ref from);
            Assert.Equal(IPAddress.Parse(address), ((IPEndPoint)from).Address);

            // The address goes; the kernel refuses it as a source, and a GSO run still leaves, from ::1.
            Requirements.Run("ip", "-6", "address", "del", $"{address}/128", "dev", "lo");
            Assert.Equal(3, ours.Send([new byte[100], new byte[100], new byte[100]], sources[0]));
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(100, peer.ReceiveFrom(new byte[200], ref from));
                Assert.Equal(IPAddress.IPv6Loopback, ((IPEndPoint)from).Address);
            }
        }
        finally
        {
            try
            {
                Requirements.Run("ip", "-6", "address", "del", $"{address}/128", "dev", "lo");
            }
            catch (Xunit.Sdk.XunitException)
            {
                // already removed by the test
            }
        }
    }

    [Fact]
    public void AnIPv4AddressRemovedUnderAPeer_IsForgotten_AndRepliesStillLeave()
    {
        Requirements.RootAndTun(); // root, to add an address to lo
        string address = $"198.51.100.{Random.Shared.Next(1, 255)}";
        Requirements.Run("ip", "address", "add", $"{address}/32", "dev", "lo");
        try
        {
            using var ours = (LinuxUdpDatagramSocket)LinuxUdpDatagramSocketFactory.Instance.Bind(0, 0);
            using var peer = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            peer.ReceiveTimeout = 5000;
            peer.SendTo([1], new IPEndPoint(IPAddress.Parse(address), ours.Port));
            ReceiveAll(ours, 1, out List<UdpEndpoint> sources);
            Assert.Equal(IPAddress.Parse(address).GetAddressBytes(), sources[0].LocalAddressBytes.ToArray());

            Assert.Equal(1, ours.Send([new byte[] { 2 }], sources[0]));
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            peer.ReceiveFrom(new byte[16], ref from);
            Assert.Equal(IPAddress.Parse(address), ((IPEndPoint)from).Address);

            // The address goes: IPv4 refuses it as a source with ENETUNREACH, and the datagrams leave from 127.0.0.1.
            Requirements.Run("ip", "address", "del", $"{address}/32", "dev", "lo");
            for (int round = 0; round < 2; round++)
            {
                Assert.Equal(2, ours.Send([new byte[100], new byte[100]], sources[0]));
                for (int i = 0; i < 2; i++)
                {
                    Assert.Equal(100, peer.ReceiveFrom(new byte[200], ref from));
                    Assert.Equal(IPAddress.Loopback, ((IPEndPoint)from).Address);
                }
            }
        }
        finally
        {
            try
            {
                Requirements.Run("ip", "address", "del", $"{address}/32", "dev", "lo");
            }
            catch (Xunit.Sdk.XunitException)
            {
                // already removed by the test
            }
        }
    }

    /// <summary>
    /// The kernel installs a new IPv6 address's local route from a work queue, even with <c>nodad</c>, after
    /// <c>ip</c> has returned; on a busy machine a datagram sent before then leaves by the default route and
    /// the receive waits forever.
    /// </summary>
    private static void WaitForLocalRoute(string address)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!Requirements.Run("ip", "-6", "route", "show", "table", "local", address).Contains("local", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the local route of {address} did not appear");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void Dispose_WakesABlockedReceive()
    {
        Requirements.Linux();
        IDatagramSocket socket = LinuxUdpDatagramSocketFactory.Instance.Bind(0, 0);
        int result = -1;
        var reader = new Thread(() => result = socket.Receive([new byte[2048]], new int[1], new UdpEndpoint[1]));
        reader.Start();
        Thread.Sleep(100);
        socket.Dispose();
        Assert.True(reader.Join(TimeSpan.FromSeconds(5)), "the receive did not return");
        Assert.Equal(0, result);
    }

    [Fact]
    public void SteadyState_AllocatesNothing()
    {
        Requirements.Linux();
        using IDatagramSocket sender = LinuxUdpDatagramSocketFactory.Instance.Bind(0, 0);
        using IDatagramSocket receiver = LinuxUdpDatagramSocketFactory.Instance.Bind(0, 0);
        var destination = new UdpEndpoint([127, 0, 0, 1], receiver.Port);
        byte[] slab = GC.AllocateArray<byte>(64 * 1600, pinned: true);
        ReadOnlyMemory<byte>[] datagrams = [.. Enumerable.Range(0, 32).Select(i => (ReadOnlyMemory<byte>)slab.AsMemory(i * 1600, 1452))];
        Memory<byte>[] buffers = [.. Enumerable.Range(32, 32).Select(i => slab.AsMemory(i * 1600, 1600))];
        var sizes = new int[32];
        var sources = new UdpEndpoint[32];

        void RoundTrip()
        {
            sender.Send(datagrams, destination);
            for (int received = 0; received < datagrams.Length;)
            {
                received += receiver.Receive(buffers, sizes, sources);
            }
        }

        for (int i = 0; i < 20; i++)
        {
            RoundTrip();
        }

        // The fewest of three rounds: a per-packet allocation shows in every round, while one-time runtime
        // work (a tier-up compiled on this thread while the machine is loaded) shows in one at most.
        Assert.Equal(0, Allocations.Fewest(RoundTrip));

        Memory<byte>[] leased = new Memory<byte>[32];
        void LeasedRoundTrip()
        {
            sender.Send(datagrams, destination);
            for (int received = 0; received < datagrams.Length;)
            {
                buffers.CopyTo(leased, 0);
                received += receiver.ReceiveLeased(leased, sources);
            }
        }

        LeasedRoundTrip();
        Assert.Equal(0, Allocations.Fewest(LeasedRoundTrip));
    }

    /// <summary>Datagrams of the given lengths, filled from a generator seeded by their count.</summary>
    private static byte[][] RandomDatagrams(int[] lengths)
    {
        var random = new Random(lengths.Length);
        return [.. lengths.Select(length =>
        {
            var datagram = new byte[length];
            random.NextBytes(datagram);
            return datagram;
        })];
    }

    private static List<byte[]> ReceiveAll(IDatagramSocket receiver, int expected, out List<UdpEndpoint> sources)
    {
        Memory<byte>[] buffers = [.. Enumerable.Range(0, 128).Select(_ => (Memory<byte>)new byte[2048])];
        var sizes = new int[128];
        var from = new UdpEndpoint[128];
        var received = new List<byte[]>();
        sources = [];
        while (received.Count < expected)
        {
            int count = receiver.Receive(buffers, sizes, from);
            Assert.True(count > 0, "the socket closed");
            for (int i = 0; i < count; i++)
            {
                received.Add(buffers[i].Span[..sizes[i]].ToArray());
                sources.Add(from[i]);
            }
        }

        return received;
    }
}
