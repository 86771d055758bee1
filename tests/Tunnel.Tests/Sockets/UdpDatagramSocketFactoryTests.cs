using System.Net;
using System.Runtime.InteropServices;
using Tunnel.Core;
using Tunnel.Sockets;
using Tunnel.Sockets.Internal;

namespace Tunnel.Tests.Sockets;

public sealed class UdpDatagramSocketFactoryTests
{
    [Fact]
    public void ReceiveLeased_ByDefault_SlicesTheCallersBuffers()
    {
        using IDatagramSocket a = UdpDatagramSocketFactory.Instance.Bind(0, 0);
        using IDatagramSocket b = UdpDatagramSocketFactory.Instance.Bind(0, 0);
        var destination = UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, b.Port));
        Assert.Equal(3, a.Send([new byte[] { 1 }, new byte[] { 2, 2 }, new byte[] { 3, 3, 3 }], destination));

        byte[][] ours = [new byte[64], new byte[64], new byte[64]];
        var datagrams = new Memory<byte>[3];
        var sources = new UdpEndpoint[3];
        int received = 0;
        while (received < 3)
        {
            for (int i = received; i < 3; i++)
            {
                datagrams[i] = ours[i];
            }

            received += b.ReceiveLeased(datagrams.AsSpan(received), sources.AsSpan(received));
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Enumerable.Repeat((byte)(i + 1), i + 1), datagrams[i].ToArray());
            Assert.True(MemoryMarshal.TryGetArray((ReadOnlyMemory<byte>)datagrams[i], out ArraySegment<byte> segment));
            Assert.Same(ours[i], segment.Array); // nothing lent: the bytes are in the buffer that was given
            Assert.Equal(UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, a.Port)), sources[i]);
        }
    }

    [Fact]
    public void TwoSockets_ExchangeDatagrams_AndReportIPv4PeersAsIPv4()
    {
        using IDatagramSocket a = UdpDatagramSocketFactory.Instance.Bind(0, 0);
        using IDatagramSocket b = UdpDatagramSocketFactory.Instance.Bind(0, 0);
        Assert.NotEqual(0, a.Port);

        var destination = UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, b.Port));
        Assert.Equal(3, a.Send([new byte[] { 1 }, new byte[] { 2, 2 }, new byte[] { 3, 3, 3 }], destination));

        Memory<byte>[] buffers = [new byte[64], new byte[64], new byte[64]];
        var sizes = new int[3];
        var sources = new UdpEndpoint[3];
        int received = 0;
        while (received < 3)
        {
            received += b.Receive(buffers.AsSpan(received), sizes.AsSpan(received), sources.AsSpan(received));
        }

        Assert.Equal([1, 2, 3], sizes);
        Assert.All(sources, source => Assert.Equal(UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, a.Port)), source));
        Assert.False(sources[0].IsIPv6); // the dual-stack socket's ::ffff:127.0.0.1 comes back as IPv4
    }

    [Fact]
    public void AsRoot_TheBufferIsForcedPastTheSystemCap()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Assert.Skip("Forcing socket buffers needs Linux and CAP_NET_ADMIN.");
        }

        var factory = new UdpDatagramSocketFactory { BufferSize = 4 << 20 };
        using var socket = (UdpDatagramSocket)factory.Bind(0, 0);
        Assert.True(socket.ReceiveBufferSize >= 4 << 20, $"receive buffer {socket.ReceiveBufferSize}");
    }

    [Fact]
    public void Dispose_WakesABlockedReceive()
    {
        IDatagramSocket socket = UdpDatagramSocketFactory.Instance.Bind(0, 0);
        int result = -1;
        var receiver = new Thread(() => result = socket.Receive([new byte[64]], new int[1], new UdpEndpoint[1]));
        receiver.Start();
        Thread.Sleep(100);
        socket.Dispose();
        Assert.True(receiver.Join(TimeSpan.FromSeconds(5)), "the receive did not return");
        Assert.Equal(0, result);
    }
}
