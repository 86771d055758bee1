using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Tunnel.Core.Checksums;
using Tunnel.Platform.Linux;
using Tunnel.Platform.Offloads;
using Tunnel.Platform.Tests.Offloads;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>
/// The offloads against the real kernel: a TCP connection between a kernel socket and a peer played by the
/// test through the TUN device. What the kernel sends arrives as super-packets that the device splits into
/// valid segments; what the test writes is coalesced and the kernel's socket receives every byte in order.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxTunOffloadTests
{
    private const int Mss = 1360;
    private const uint PeerInitialSequence = 5000;

    [Fact]
    public void KernelSegments_AreSplit_AndCoalescedWrites_ReachTheSocket()
    {
        Requirements.RootAndTun();
        string name = $"tno{Environment.ProcessId % 10000}{Random.Shared.Next(100):d2}";
        using LinuxTunDevice device = LinuxTunDevice.Create(name);
        Assert.True(device.Offloads.HasFlag(LinuxTunOffloads.TcpSegmentation), $"offloads: {device.Offloads}");
        byte subnet = (byte)Random.Shared.Next(1, 250);
        Requirements.Run("ip", "address", "add", $"10.78.{subnet}.1/24", "dev", name);
        Requirements.Run("ip", "link", "set", name, "up");

        var queue = new Queue<byte[]>();
        using var listener = new TcpListener(IPAddress.Parse($"10.78.{subnet}.1"), 0);
        listener.Start();
        ushort serverPort = (ushort)((IPEndPoint)listener.LocalEndpoint).Port;
        var flow = new ReferencePackets.Flow(false, [10, 78, subnet, 2], [10, 78, subnet, 1], 40000, serverPort, ReferencePackets.Tcp);
        var reverse = flow with { Source = flow.Destination, Destination = flow.Source, SourcePort = serverPort, DestinationPort = 40000 };

        // Handshake: SYN with an MSS option, the kernel's SYN-ACK, our ACK.
        Write(device, ReferencePackets.TcpSegment(flow, PeerInitialSequence - 1, 0, IPHeaders.Syn, [2, 4, Mss >> 8, Mss & 0xFF], [], window: 65535));
        byte[] synAck = ReadTcp(device, queue, reverse, out _);
        Assert.Equal(IPHeaders.Syn | IPHeaders.Ack, synAck[33] & (IPHeaders.Syn | IPHeaders.Ack));
        uint serverSequence = BinaryPrimitives.ReadUInt32BigEndian(synAck.AsSpan(24)) + 1;
        Write(device, ReferencePackets.TcpSegment(flow, PeerInitialSequence, serverSequence, IPHeaders.Ack, [], [], window: 65535));
        using Socket accepted = listener.AcceptSocket();

        // Coalesced writes: 40 segments in one batch reach the socket as one stream.
        byte[] upload = new byte[40 * Mss];
        Random.Shared.NextBytes(upload);
        Memory<byte>[] batch = [.. Enumerable.Range(0, 40).Select(i => LinuxTunDeviceTests.Prepend(
            ReferencePackets.TcpSegment(flow, PeerInitialSequence + (uint)(i * Mss), serverSequence, IPHeaders.Ack, [], upload.AsSpan(i * Mss, Mss), window: 65535)))];
        device.Write(batch, 16);
        Assert.True(device.SuperPacketsWritten >= 1, "nothing was coalesced");
        Assert.Equal(0, device.WriteErrors);
        var received = new byte[upload.Length];
        accepted.ReceiveTimeout = 5000;
        for (int at = 0; at < received.Length;)
        {
            at += accepted.Receive(received, at, received.Length - at, SocketFlags.None);
        }

        Assert.Equal(upload, received);

        // Kernel segments: a large send leaves in super-packets; every segment read is valid and in order.
        byte[] download = new byte[10 * Mss];
        Random.Shared.NextBytes(download);
        accepted.Send(download);
        var payload = new List<byte>();
        uint expected = serverSequence;
        while (payload.Count < download.Length)
        {
            byte[] segment = ReadTcp(device, queue, reverse, out int tcpLength);
            int length = segment.Length - 20 - tcpLength;
            if (length == 0)
            {
                continue; // a pure acknowledgement of the upload
            }

            Assert.True(InternetChecksum.IsValid(IPHeaders.TransportSum(segment, false, 20, IPHeaders.Tcp)), "bad TCP checksum");
            Assert.Equal(0, ReferencePackets.Checksum(segment.AsSpan(0, 20)));
            Assert.Equal(expected, BinaryPrimitives.ReadUInt32BigEndian(segment.AsSpan(24)));
            Assert.True(length <= Mss, $"a {length}-byte segment exceeds the MSS");
            expected += (uint)length;
            payload.AddRange(segment.AsSpan(20 + tcpLength).ToArray());
        }

        Assert.Equal(download, payload.ToArray());
        Assert.True(device.SuperPacketsRead >= 1, "the kernel sent no super-packet");
        Assert.Equal(0, device.ReadErrors);
    }

    [Fact]
    public void OffloadsOff_IsPlainPackets()
    {
        Requirements.RootAndTun();
        using LinuxTunDevice device = LinuxTunDevice.Create($"tnp{Environment.ProcessId % 10000}{Random.Shared.Next(100):d2}", new LinuxTunDeviceOptions { EnableOffloads = false });
        Assert.Equal(LinuxTunOffloads.None, device.Offloads);
    }

    private static void Write(LinuxTunDevice device, byte[] packet) => device.Write([LinuxTunDeviceTests.Prepend(packet)], 16);

    /// <summary>Reads until a TCP segment of <paramref name="flow"/> arrives (other traffic, such as router solicitations, is skipped).</summary>
    private static byte[] ReadTcp(LinuxTunDevice device, Queue<byte[]> queue, ReferencePackets.Flow flow, out int tcpLength)
    {
        Memory<byte>[] buffers = [.. Enumerable.Range(0, 64).Select(_ => (Memory<byte>)new byte[16 + 1500])];
        var sizes = new int[64];
        for (int attempt = 0; attempt < 200; attempt++)
        {
            while (queue.TryDequeue(out byte[]? packet))
            {
                if (packet[0] >> 4 == 4 && packet[9] == 6 && packet.AsSpan(12, 4).SequenceEqual(flow.Source)
                    && BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(20)) == flow.SourcePort)
                {
                    tcpLength = (packet[32] >> 4) * 4;
                    return packet;
                }
            }

            int count = device.Read(buffers, sizes, 16);
            for (int i = 0; i < count; i++)
            {
                queue.Enqueue(buffers[i].Span.Slice(16, sizes[i]).ToArray());
            }
        }

        throw new Xunit.Sdk.XunitException("the expected segment never came");
    }
}
