using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using Tunnel.Platform.Interop.Linux;
using Tunnel.Platform.Linux;
using Tunnel.Testing;

namespace Tunnel.Platform.Tests.Linux;

[SupportedOSPlatform("linux")]
public sealed class LinuxTunDeviceTests
{
    private static string UniqueName() => $"tnt{Environment.ProcessId % 10000}{Random.Shared.Next(100):d2}";

    [Fact]
    public unsafe void InterfaceRequest_HasTheKernelLayout()
    {
        Assert.Equal(40, sizeof(InterfaceRequest));
        InterfaceRequest request = InterfaceRequest.ForName("wg0");
        request.Flags = 0x1001;
        byte* bytes = (byte*)&request;
        Assert.Equal((byte)'w', bytes[0]);
        Assert.Equal(0, bytes[3]);
        Assert.Equal(0x01, bytes[16]);
        Assert.Equal(0x10, bytes[17]);
        Assert.Equal("wg0", request.GetName());
        Assert.Throws<ArgumentException>(() => InterfaceRequest.ForName("sixteen-chars-xx"));
    }

    [Fact]
    public void Create_SetsTheMtu_AndTheInterfaceGoesAwayOnDispose()
    {
        Requirements.RootAndTun();
        string name = UniqueName();
        using (LinuxTunDevice device = LinuxTunDevice.Create(name, new LinuxTunDeviceOptions { Mtu = 1380 }))
        {
            Assert.Equal(name, device.Name);
            Assert.Equal(1380, device.GetMtu());
            Assert.Contains($"{name}:", Requirements.Run("ip", "-o", "link", "show", name), StringComparison.Ordinal);
        }

        Assert.DoesNotContain($"{name}:", Requirements.Run("ip", "-o", "link", "show"), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadsWhatTheKernelRoutesIn_AndTheKernelAnswersWhatIsWritten()
    {
        Requirements.RootAndTun();
        string name = UniqueName();
        using LinuxTunDevice device = LinuxTunDevice.Create(name);
        Requirements.Run("ip", "address", "add", "10.77.0.1/24", "dev", name);
        Requirements.Run("ip", "link", "set", name, "up");

        // A datagram to another address of the subnet leaves through the TUN: read it.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        byte[] payload = Encoding.ASCII.GetBytes("through the tun");
        socket.SendTo(payload, new IPEndPoint(IPAddress.Parse("10.77.0.2"), 9999));
        byte[] packet = ReadUntil(device, p => p.Length >= 20 && p[0] >> 4 == 4 && p[9] == 17);
        Assert.Equal(IPAddress.Parse("10.77.0.2").GetAddressBytes(), packet[16..20]);
        Assert.Equal(payload, packet[28..]);

        // A UDP datagram written in from 10.77.0.2 to the socket's port arrives at the socket.
        var local = (IPEndPoint)socket.LocalEndPoint!;
        byte[] reply = PacketBuilder.IPv4(IPAddress.Parse("10.77.0.2"), IPAddress.Parse("10.77.0.1"), UdpDatagram(9999, (ushort)local.Port, "answer"));
        device.Write([Prepend(reply)], 16);
        socket.ReceiveTimeout = 5000;
        var buffer = new byte[100];
        int received = socket.Receive(buffer);
        Assert.Equal("answer", Encoding.ASCII.GetString(buffer, 0, received));
        Assert.Equal(0, device.WriteErrors);
    }

    [Fact]
    public void Dispose_WakesABlockedRead()
    {
        Requirements.RootAndTun();
        LinuxTunDevice device = LinuxTunDevice.Create(UniqueName());
        int result = -1;
        var reader = new Thread(() =>
        {
            Memory<byte>[] buffers = [new byte[2048]];
            result = device.Read(buffers, new int[1], 16);
        });
        reader.Start();
        Thread.Sleep(100);
        device.Dispose();
        Assert.True(reader.Join(TimeSpan.FromSeconds(5)), "the read did not return");
        Assert.Equal(0, result);
    }

    [Fact]
    public void DeletingTheInterface_FailsTheRead()
    {
        Requirements.RootAndTun();
        string name = UniqueName();
        using LinuxTunDevice device = LinuxTunDevice.Create(name);
        Exception? failure = null;
        var reader = new Thread(() =>
        {
            Memory<byte>[] buffers = [new byte[2048]];
            try
            {
                while (device.Read(buffers, new int[1], 16) > 0)
                {
                }
            }
            catch (IOException error)
            {
                failure = error;
            }
        });
        reader.Start();
        Requirements.Run("ip", "link", "delete", name);
        Assert.True(reader.Join(TimeSpan.FromSeconds(5)), "the read did not notice");
        Assert.IsType<IOException>(failure);
    }

    private static byte[] ReadUntil(LinuxTunDevice device, Func<byte[], bool> wanted)
    {
        Memory<byte>[] buffers = [new byte[2048]];
        var sizes = new int[1];
        for (int attempt = 0; attempt < 50; attempt++)
        {
            // Router solicitations and the like may come first; the datagram follows.
            int count = device.Read(buffers, sizes, 16);
            Assert.Equal(1, count);
            byte[] packet = buffers[0].Span.Slice(16, sizes[0]).ToArray();
            if (wanted(packet))
            {
                return packet;
            }
        }

        throw new Xunit.Sdk.XunitException("the expected packet never came");
    }

    /// <summary>A buffer with 16 free bytes in front of the packet, as the engine hands them to <see cref="ITunDevice.Write"/>.</summary>
    internal static Memory<byte> Prepend(byte[] packet)
    {
        var buffer = new byte[16 + packet.Length];
        packet.CopyTo(buffer, 16);
        return buffer;
    }

    private static byte[] UdpDatagram(ushort sourcePort, ushort destinationPort, string text)
    {
        byte[] payload = Encoding.ASCII.GetBytes(text);
        var datagram = new byte[8 + payload.Length];
        datagram[0] = (byte)(sourcePort >> 8);
        datagram[1] = (byte)sourcePort;
        datagram[2] = (byte)(destinationPort >> 8);
        datagram[3] = (byte)destinationPort;
        datagram[4] = (byte)(datagram.Length >> 8);
        datagram[5] = (byte)datagram.Length;
        payload.CopyTo(datagram, 8); // checksum 0: none, which IPv4 UDP allows
        return datagram;
    }
}
