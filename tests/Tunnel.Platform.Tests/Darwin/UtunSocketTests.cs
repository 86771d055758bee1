using System.Buffers.Binary;
using Tunnel.Core.Tests.Support;
using Tunnel.Platform.Darwin.Internal;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>
/// The utun data path over a datagram <c>socketpair</c> standing in for the kernel-control socket: the 4-byte
/// protocol family in front of each packet (2 for IPv4, Darwin's 30 for IPv6), batching, drops, the wake-up on
/// close and the MTU followed from <c>RTM_IFINFO</c> messages on a stand-in routing socket.
/// </summary>
public sealed class UtunSocketTests
{
    private const int Offset = 16;
    private const int BufferSize = Offset + 1500 + 32;
    private const uint Index = 9;

    private static readonly byte[] Ipv4 = Packet(4, 60);
    private static readonly byte[] Ipv6 = Packet(6, 80);

    [Fact]
    public void Read_TakesEveryQueuedPacket_WithoutItsHeader()
    {
        Requirements.Linux();
        using SocketPair pair = SocketPair.Create();
        using UtunSocket socket = Create(pair);
        pair.Send(Framed(2, Ipv4));
        pair.Send(Framed(30, Ipv6));
        pair.Send(Framed(2, Ipv4));

        Memory<byte>[] buffers = Buffers(8);
        int[] sizes = new int[8];
        Assert.Equal(3, socket.Read(buffers, sizes, Offset));
        Assert.Equal([Ipv4.Length, Ipv6.Length, Ipv4.Length], sizes[..3]);
        Assert.Equal(Ipv4, buffers[0].Span.Slice(Offset, sizes[0]).ToArray());
        Assert.Equal(Ipv6, buffers[1].Span.Slice(Offset, sizes[1]).ToArray());
        Assert.Equal(0, socket.ReadErrors);
    }

    [Fact]
    public void Read_DropsAndCountsWhatIsNotAPacketOfItsFamily()
    {
        Requirements.Linux();
        using SocketPair pair = SocketPair.Create();
        using UtunSocket socket = Create(pair);
        pair.Send([0, 0, 0]);                       // shorter than the header
        pair.Send(Framed(2, []));                   // a header and nothing
        pair.Send(Framed(30, Ipv4));                // IPv6 family, IPv4 packet
        pair.Send(Framed(2, Packet(4, BufferSize - Offset))); // fills the buffer: may have been cut
        pair.Send(Framed(2, Ipv4));

        Memory<byte>[] buffers = Buffers(8);
        int[] sizes = new int[8];
        Assert.Equal(1, socket.Read(buffers, sizes, Offset));
        Assert.Equal(Ipv4.Length, sizes[0]);
        Assert.Equal(4, socket.ReadErrors);
    }

    [Fact]
    public void Write_PutsTheFamilyInTheHeadRoom_AndTheKernelGetsOneDatagramPerPacket()
    {
        Requirements.Linux();
        using SocketPair pair = SocketPair.Create();
        using UtunSocket socket = Create(pair);
        Memory<byte>[] packets = [InBuffer(Ipv4, Offset), InBuffer(Ipv6, Offset), InBuffer([0x50, 1, 2, 3], Offset)];

        socket.Write(packets, Offset);

        Assert.Equal(Framed(2, Ipv4), pair.Receive());
        Assert.Equal(Framed(30, Ipv6), pair.Receive());
        Assert.Null(pair.Receive()); // the version-5 packet was dropped
        Assert.Equal(1, socket.WriteErrors);
    }

    [Fact]
    public void Write_WithoutHeadRoom_GathersTheHeaderAndThePacket()
    {
        Requirements.Linux();
        using SocketPair pair = SocketPair.Create();
        using UtunSocket socket = Create(pair);
        socket.Write([InBuffer(Ipv6, 2)], 2);
        Assert.Equal(Framed(30, Ipv6), pair.Receive());
    }

    [Fact]
    public async Task Dispose_EndsABlockedRead()
    {
        Requirements.Linux();
        using SocketPair pair = SocketPair.Create();
        UtunSocket socket = Create(pair);
        var reading = Task.Factory.StartNew(() => socket.Read(Buffers(4), new int[4], Offset), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(reading.IsCompleted);

        socket.Dispose();

        Assert.Equal(0, await reading.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(0, socket.Read(Buffers(4), new int[4], Offset));
    }

    [Fact]
    public async Task Read_FollowsTheMtuFromInterfaceInfoMessages_OfItsOwnInterfaceOnly()
    {
        Requirements.Linux();
        using SocketPair pair = SocketPair.Create();
        using SocketPair routes = SocketPair.Create();
        using var socket = new UtunSocket(pair.Device, routes.Device, Index, 1420, "utun9", SocketPair.LinuxEagain);
        var reading = Task.Factory.StartNew(() => socket.Read(Buffers(4), new int[4], Offset), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        routes.Send(RouteMessageTests.InterfaceInfo(index: 3, flags: 1, mtu: 1280)); // another interface: still waiting
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(reading.IsCompleted);
        Assert.Equal(1420, socket.Mtu);

        routes.Send(RouteMessageTests.InterfaceInfo(index: (ushort)Index, flags: 1, mtu: 1280));
        Assert.Equal(0, await reading.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)); // the caller re-sizes its buffers for the new MTU
        Assert.Equal(1280, socket.Mtu);

        // A packet queued meanwhile is read on the next call.
        pair.Send(Framed(2, Ipv4));
        int[] sizes = new int[4];
        Assert.Equal(1, socket.Read(Buffers(4), sizes, Offset));
    }

    [Fact]
    public void ReadAndWrite_AllocateNothingPerPacket()
    {
        Requirements.Linux();
        using SocketPair pair = SocketPair.Create();
        using UtunSocket socket = Create(pair);
        byte[] framed = Framed(2, Ipv4);
        Memory<byte>[] buffers = Buffers(4);
        int[] sizes = new int[4];
        Memory<byte>[] packets = [InBuffer(Ipv4, Offset)];
        byte[] received = new byte[2048];

        void RoundTrip()
        {
            pair.Send(framed);
            if (socket.Read(buffers, sizes, Offset) != 1)
            {
                throw new InvalidOperationException("no packet");
            }

            socket.Write(packets, Offset);
            if (pair.ReceiveInto(received) != framed.Length)
            {
                throw new InvalidOperationException("no datagram");
            }
        }

        Assert.Equal(0, Allocations.Fewest(RoundTrip));
    }

    /// <summary>The socket owns the pair's device end; the pair's own Dispose closing it again is harmless.</summary>
    private static UtunSocket Create(SocketPair pair) => new(pair.Device, routes: null, Index, 1420, "utun9", SocketPair.LinuxEagain);

    private static Memory<byte>[] Buffers(int count) => [.. Enumerable.Range(0, count).Select(_ => new Memory<byte>(new byte[BufferSize]))];

    private static Memory<byte> InBuffer(byte[] packet, int offset)
    {
        byte[] buffer = new byte[offset + packet.Length];
        packet.CopyTo(buffer, offset);
        return buffer;
    }

    private static byte[] Framed(int family, byte[] packet)
    {
        byte[] datagram = new byte[4 + packet.Length];
        BinaryPrimitives.WriteInt32BigEndian(datagram, family);
        packet.CopyTo(datagram, 4);
        return datagram;
    }

    private static byte[] Packet(int version, int length)
    {
        byte[] packet = new byte[length];
        Random.Shared.NextBytes(packet);
        packet[0] = (byte)((version << 4) | (packet[0] & 0x0f));
        return packet;
    }
}
