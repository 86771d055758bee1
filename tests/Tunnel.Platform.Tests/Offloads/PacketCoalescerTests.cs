using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Platform.Offloads;

namespace Tunnel.Platform.Tests.Offloads;

public sealed class PacketCoalescerTests
{
    private const int Offset = 16;

    [Fact]
    public void FullSegmentsAndAShortLastOne_BecomeOneSuperPacket()
    {
        var stream = new TcpStream(ReferencePackets.Flow.Random(new Random(1), isIPv6: false, ReferencePackets.Tcp), mss: 1400);
        List<byte[]> packets = [.. Enumerable.Range(0, 44).Select(_ => stream.Next(1400)), stream.Next(300)];

        PacketCoalescer coalescer = Coalesce(packets, udp: false, out Memory<byte>[] buffers);

        Assert.Equal(1, coalescer.GroupCount);
        PacketCoalescer.Group group = coalescer[0];
        Assert.Equal(45, group.Count);
        Assert.Equal(VirtioNetHeader.GsoTcpV4, group.Header.GsoType);
        Assert.Equal(1400, group.Header.GsoSize);
        Assert.Equal(40, group.Header.HeaderLength);
        Assert.Equal(packets, Resegment(coalescer, buffers));
    }

    [Fact]
    public void Push_EndsTheGroup_AndIsKeptOnTheLastSegment()
    {
        var stream = new TcpStream(ReferencePackets.Flow.Random(new Random(2), isIPv6: true, ReferencePackets.Tcp), mss: 1000);
        List<byte[]> packets = [stream.Next(1000), stream.Next(1000, IPHeaders.Psh), stream.Next(1000), stream.Next(1000)];

        PacketCoalescer coalescer = Coalesce(packets, udp: false, out Memory<byte>[] buffers);

        Assert.Equal(2, coalescer.GroupCount);
        Assert.Equal([2, 2], [coalescer[0].Count, coalescer[1].Count]);
        Assert.Equal(packets, Resegment(coalescer, buffers));
    }

    [Fact]
    public void SequenceGap_FinAndBadChecksum_AreNotCoalescedAcross()
    {
        var stream = new TcpStream(ReferencePackets.Flow.Random(new Random(3), isIPv6: false, ReferencePackets.Tcp), mss: 500);
        byte[] a = stream.Next(500), b = stream.Next(500);
        stream.Skip(500);
        byte[] c = stream.Next(500), d = stream.Next(500);
        byte[] corrupt = stream.Next(500);
        corrupt[^1] ^= 0xFF;
        byte[] e = stream.Next(500), fin = stream.Next(500, IPHeaders.Fin);
        List<byte[]> packets = [a, b, c, d, corrupt, e, fin];

        PacketCoalescer coalescer = Coalesce(packets, udp: false, out Memory<byte>[] buffers);

        Assert.Equal([2, 2, 1, 1, 1], Enumerable.Range(0, coalescer.GroupCount).Select(g => coalescer[g].Count));
        Assert.Equal(packets, Resegment(coalescer, buffers));
    }

    [Fact]
    public void ChangedOptions_StartANewGroup()
    {
        var stream = new TcpStream(ReferencePackets.Flow.Random(new Random(4), isIPv6: false, ReferencePackets.Tcp), mss: 800) { Options = Timestamp(1) };
        byte[] a = stream.Next(800), b = stream.Next(800);
        stream.Options = Timestamp(2);
        byte[] c = stream.Next(800);
        List<byte[]> packets = [a, b, c];

        PacketCoalescer coalescer = Coalesce(packets, udp: false, out Memory<byte>[] buffers);

        Assert.Equal(2, coalescer.GroupCount);
        Assert.Equal(packets, Resegment(coalescer, buffers));
    }

    [Fact]
    public void Udp_IsCoalescedOnlyWhenAsked()
    {
        var flow = ReferencePackets.Flow.Random(new Random(5), isIPv6: false, ReferencePackets.Udp);
        List<byte[]> packets = [.. Enumerable.Range(0, 10).Select(i => ReferencePackets.UdpDatagram(flow, new byte[1200], (ushort)i))];

        Assert.Equal(10, Coalesce(packets, udp: false, out _).GroupCount);
        PacketCoalescer coalescer = Coalesce(packets, udp: true, out Memory<byte>[] buffers);
        Assert.Equal(1, coalescer.GroupCount);
        Assert.Equal(VirtioNetHeader.GsoUdpL4, coalescer[0].Header.GsoType);
        Assert.Equal(packets, Resegment(coalescer, buffers));
    }

    [Fact]
    public void Groups_StopAtTheSegmentAndLengthLimits()
    {
        var small = new TcpStream(ReferencePackets.Flow.Random(new Random(6), isIPv6: false, ReferencePackets.Tcp), mss: 100);
        List<byte[]> many = [.. Enumerable.Range(0, 100).Select(_ => small.Next(100))];
        PacketCoalescer coalescer = Coalesce(many, udp: false, out Memory<byte>[] buffers);
        Assert.Equal([64, 36], Enumerable.Range(0, coalescer.GroupCount).Select(g => coalescer[g].Count));
        Assert.Equal(many, Resegment(coalescer, buffers));

        var large = new TcpStream(ReferencePackets.Flow.Random(new Random(7), isIPv6: true, ReferencePackets.Tcp), mss: 9000);
        List<byte[]> jumbo = [.. Enumerable.Range(0, 10).Select(_ => large.Next(9000))];
        coalescer = Coalesce(jumbo, udp: false, out buffers);
        Assert.All(Enumerable.Range(0, coalescer.GroupCount), g => Assert.True(coalescer[g].HeaderLength + (coalescer[g].Count * 9000) <= PacketCoalescer.MaxPacketLength));
        Assert.Equal(jumbo, Resegment(coalescer, buffers));
    }

    /// <summary>
    /// Coalescing and then segmenting again, as the kernel would, gives back every flow's packets in their
    /// order, byte for byte, whatever the interleaving, sizes, flags, gaps and corruption.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property CoalesceThenSegment_GivesBackEveryFlowInOrder(int seed)
    {
        var random = new Random(seed);
        bool udp = random.Next(2) == 0;
        var streams = Enumerable.Range(0, random.Next(1, 5)).Select(_ => new TcpStream(ReferencePackets.Flow.Random(random, random.Next(2) == 0, ReferencePackets.Tcp), random.Next(1, 1400))).ToList();
        var datagramFlows = Enumerable.Range(0, random.Next(0, 3)).Select(_ => ReferencePackets.Flow.Random(random, random.Next(2) == 0, ReferencePackets.Udp)).ToList();
        var datagramIds = new Dictionary<ReferencePackets.Flow, ushort>();
        var packets = new List<byte[]>();
        int count = random.Next(1, 129);
        for (int i = 0; i < count; i++)
        {
            if (datagramFlows.Count > 0 && random.Next(4) == 0)
            {
                var flow = datagramFlows[random.Next(datagramFlows.Count)];
                ushort id = datagramIds.GetValueOrDefault(flow);
                datagramIds[flow] = (ushort)(id + 1); // consecutive per flow, as the kernel numbers segments
                packets.Add(ReferencePackets.UdpDatagram(flow, new byte[random.Next(4) == 0 ? random.Next(1, 1200) : 1200], id));
                continue;
            }

            TcpStream stream = streams[random.Next(streams.Count)];
            int roll = random.Next(40);
            byte flags = roll switch { 0 => IPHeaders.Psh, 1 => IPHeaders.Fin, 2 => IPHeaders.Syn, _ => 0 };
            if (roll == 3)
            {
                stream.Skip(stream.Mss);
            }

            if (roll == 4)
            {
                stream.Options = Timestamp((uint)random.Next());
            }

            byte[] packet = stream.Next(roll == 5 ? random.Next(0, stream.Mss) : stream.Mss, flags);
            if (roll == 6)
            {
                packet[random.Next(packet.Length)] ^= (byte)random.Next(1, 256);
            }

            packets.Add(packet);
        }

        PacketCoalescer coalescer = Coalesce(packets, udp, out Memory<byte>[] buffers);
        List<byte[]> written = Resegment(coalescer, buffers);

        Assert.True(coalescer.GroupCount <= packets.Count);
        foreach (IGrouping<string, byte[]> flow in packets.GroupBy(FlowKey))
        {
            Assert.Equal(flow.ToList(), written.Where(p => FlowKey(p) == flow.Key).ToList());
        }

        Assert.Equal(packets.Count, written.Count);
        return true.ToProperty();
    }

    private static PacketCoalescer Coalesce(List<byte[]> packets, bool udp, out Memory<byte>[] buffers)
    {
        buffers = [.. packets.Select(p =>
        {
            var buffer = new byte[Offset + p.Length];
            p.CopyTo(buffer, Offset);
            return (Memory<byte>)buffer;
        })];
        var coalescer = new PacketCoalescer(128, udp);
        coalescer.Coalesce(buffers, Offset);
        return coalescer;
    }

    /// <summary>What the kernel sees: each group's super-packet, cut again into packets; a group of one as written.</summary>
    private static List<byte[]> Resegment(PacketCoalescer coalescer, Memory<byte>[] buffers)
    {
        var result = new List<byte[]>();
        for (int g = 0; g < coalescer.GroupCount; g++)
        {
            PacketCoalescer.Group group = coalescer[g];
            var super = new List<byte>(buffers[group.Head].Span[Offset..].ToArray());
            for (int next = coalescer.Next(group.Head); next >= 0; next = coalescer.Next(next))
            {
                super.AddRange(buffers[next].Span[(Offset + group.HeaderLength)..].ToArray());
            }

            if (group.Count == 1)
            {
                Assert.Equal(default, group.Header);
                result.Add([.. super]);
                continue;
            }

            byte[] bytes = [.. super];
            Assert.True(GsoSegments.TryCreate(group.Header, bytes, out GsoSegments segments, out string? error), error);
            Assert.Equal(group.Count, segments.Count);
            var destination = new byte[65536];
            for (int i = 0; i < segments.Count; i++)
            {
                result.Add(destination.AsSpan(0, segments.Write(bytes, i, destination)).ToArray());
            }
        }

        return result;
    }

    private static string FlowKey(byte[] packet)
    {
        bool isIPv6 = packet[0] >> 4 == 6;
        int transport = isIPv6 ? 40 : 20;
        return Convert.ToHexString(isIPv6 ? packet.AsSpan(8, 32) : packet.AsSpan(12, 8)) + Convert.ToHexString(packet.AsSpan(transport, 4)) + (isIPv6 ? packet[6] : packet[9]);
    }

    private static byte[] Timestamp(uint value)
    {
        byte[] options = [1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(options.AsSpan(4), value);
        return options;
    }

    /// <summary>One direction of a TCP connection: consecutive sequence numbers and IPv4 identifications.</summary>
    private sealed class TcpStream(ReferencePackets.Flow flow, int mss)
    {
        private uint _sequence = 1000;
        private ushort _id = 1;

        public int Mss { get; } = mss;

        public byte[] Options { get; set; } = [];

        public byte[] Next(int length, byte flags = 0)
        {
            var payload = new byte[length];
            Random.Shared.NextBytes(payload);
            byte[] packet = ReferencePackets.TcpSegment(flow, _sequence, 77, (byte)(IPHeaders.Ack | flags), Options, payload, _id++);
            _sequence += (uint)length;
            return packet;
        }

        public void Skip(int length) => _sequence += (uint)length;
    }
}
