using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Checksums;
using Tunnel.Platform.Offloads;

namespace Tunnel.Platform.Tests.Offloads;

public sealed class GsoSegmentsTests
{
    [Property(MaxTest = 300)]
    public Property TcpSuperPacket_SplitsIntoTheReferenceSegments(int seed)
    {
        var random = new Random(seed);
        bool isIPv6 = random.Next(2) == 0;
        var flow = ReferencePackets.Flow.Random(random, isIPv6, ReferencePackets.Tcp);
        byte[] options = RandomOptions(random);
        int headers = (isIPv6 ? 40 : 20) + 20 + options.Length;
        int mss = random.Next(1, 1461);
        byte[] payload = new byte[random.Next(0, Math.Min(65535 - headers, mss * 64) + 1)];
        random.NextBytes(payload);
        byte flags = (byte)(IPHeaders.Ack | Pick(random, IPHeaders.Psh) | Pick(random, IPHeaders.Fin) | Pick(random, IPHeaders.Cwr));
        uint sequence = (uint)random.NextInt64(0, 1L << 32);
        uint acknowledgement = (uint)random.NextInt64(0, 1L << 32);
        ushort id = (ushort)random.Next(65536);

        byte[] super = ReferencePackets.TcpSegment(flow, sequence, acknowledgement, flags, options, payload, id);
        var header = new VirtioNetHeader
        {
            Flags = VirtioNetHeader.NeedsChecksum,
            GsoType = isIPv6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4,
            HeaderLength = (ushort)headers,
            GsoSize = (ushort)mss,
            ChecksumStart = (ushort)(isIPv6 ? 40 : 20),
            ChecksumOffset = 16,
        };
        if ((flags & IPHeaders.Cwr) != 0)
        {
            header.GsoType |= VirtioNetHeader.GsoEcn;
        }

        Assert.True(GsoSegments.TryCreate(header, super, out GsoSegments segments, out string? error), error);
        int expectedCount = Math.Max(1, (payload.Length + mss - 1) / mss);
        Assert.Equal(expectedCount, segments.Count);

        var destination = new byte[headers + mss];
        for (int i = 0; i < segments.Count; i++)
        {
            int start = i * mss;
            int length = Math.Min(mss, payload.Length - start);
            byte segmentFlags = flags;
            if (i != segments.Count - 1)
            {
                segmentFlags &= unchecked((byte)~(IPHeaders.Fin | IPHeaders.Psh));
            }

            if (i != 0)
            {
                segmentFlags &= unchecked((byte)~IPHeaders.Cwr);
            }

            byte[] expected = ReferencePackets.TcpSegment(flow, unchecked(sequence + (uint)start), acknowledgement, segmentFlags, options, payload.AsSpan(start, Math.Max(length, 0)), unchecked((ushort)(id + i)));
            int written = segments.Write(super, i, destination);
            Assert.Equal(expected, destination.AsSpan(0, written).ToArray());
        }

        return true.ToProperty();
    }

    [Property(MaxTest = 200)]
    public Property UdpSuperPacket_SplitsIntoTheReferenceDatagrams(int seed)
    {
        var random = new Random(seed);
        bool isIPv6 = random.Next(2) == 0;
        var flow = ReferencePackets.Flow.Random(random, isIPv6, ReferencePackets.Udp);
        int headers = (isIPv6 ? 40 : 20) + 8;
        int segmentSize = random.Next(1, 1473);
        byte[] payload = new byte[random.Next(1, Math.Min(65535 - headers, segmentSize * 64) + 1)];
        random.NextBytes(payload);
        ushort id = (ushort)random.Next(65536);
        byte[] super = ReferencePackets.UdpDatagram(flow, payload, id);
        var header = new VirtioNetHeader
        {
            Flags = VirtioNetHeader.NeedsChecksum,
            GsoType = VirtioNetHeader.GsoUdpL4,
            HeaderLength = (ushort)headers,
            GsoSize = (ushort)segmentSize,
            ChecksumStart = (ushort)(isIPv6 ? 40 : 20),
            ChecksumOffset = 6,
        };

        Assert.True(GsoSegments.TryCreate(header, super, out GsoSegments segments, out string? error), error);
        Assert.Equal((payload.Length + segmentSize - 1) / segmentSize, segments.Count);
        var destination = new byte[headers + segmentSize];
        for (int i = 0; i < segments.Count; i++)
        {
            int start = i * segmentSize;
            byte[] expected = ReferencePackets.UdpDatagram(flow, payload.AsSpan(start, Math.Min(segmentSize, payload.Length - start)), unchecked((ushort)(id + i)));
            int written = segments.Write(super, i, destination);
            Assert.Equal(expected, destination.AsSpan(0, written).ToArray());
        }

        return true.ToProperty();
    }

    [Theory]
    [InlineData(false, ReferencePackets.Tcp)]
    [InlineData(true, ReferencePackets.Tcp)]
    [InlineData(false, ReferencePackets.Udp)]
    [InlineData(true, ReferencePackets.Udp)]
    public void PartialChecksum_IsCompletedInPlace(bool isIPv6, byte protocol)
    {
        var flow = ReferencePackets.Flow.Random(new Random(3), isIPv6, protocol);
        byte[] payload = new byte[777];
        new Random(4).NextBytes(payload);
        byte[] expected = protocol == ReferencePackets.Tcp
            ? ReferencePackets.TcpSegment(flow, 10, 20, IPHeaders.Ack, [], payload)
            : ReferencePackets.UdpDatagram(flow, payload);
        byte[] packet = (byte[])expected.Clone();
        int start = isIPv6 ? 40 : 20, field = protocol == ReferencePackets.Tcp ? 16 : 6;
        // What the kernel hands over: only the pseudo-header sum in the checksum field.
        ulong pseudo = InternetChecksum.PseudoHeader(IPHeaders.Source(packet, isIPv6), IPHeaders.Destination(packet, isIPv6), protocol, packet.Length - start);
        InternetChecksum.Store(packet, start + field, InternetChecksum.Fold(pseudo));
        var header = new VirtioNetHeader { Flags = VirtioNetHeader.NeedsChecksum, ChecksumStart = (ushort)start, ChecksumOffset = (ushort)field };

        Assert.True(GsoSegments.TryCreate(header, packet, out GsoSegments segments, out _));
        Assert.Equal(1, segments.Count);
        var destination = new byte[packet.Length];
        Assert.Equal(packet.Length, segments.Write(packet, 0, destination));
        Assert.Equal(expected, destination);
    }

    [Fact]
    public void MalformedHeaders_AreRefusedWithAReason()
    {
        var flow = ReferencePackets.Flow.Random(new Random(5), isIPv6: false, ReferencePackets.Tcp);
        byte[] packet = ReferencePackets.TcpSegment(flow, 1, 1, IPHeaders.Ack, [], new byte[3000]);
        var good = new VirtioNetHeader { Flags = VirtioNetHeader.NeedsChecksum, GsoType = VirtioNetHeader.GsoTcpV4, HeaderLength = 40, GsoSize = 1400, ChecksumStart = 20, ChecksumOffset = 16 };
        Assert.True(GsoSegments.TryCreate(good, packet, out _, out _));

        VirtioNetHeader[] bad =
        [
            good with { GsoSize = 0 },
            good with { GsoType = VirtioNetHeader.GsoTcpV6 },
            good with { GsoType = 3 },
            good with { Flags = 0 },
            good with { ChecksumStart = 24 },
            new VirtioNetHeader { Flags = VirtioNetHeader.NeedsChecksum, ChecksumStart = 20, ChecksumOffset = 5000 },
        ];
        foreach (VirtioNetHeader header in bad)
        {
            Assert.False(GsoSegments.TryCreate(header, (byte[])packet.Clone(), out _, out string? error));
            Assert.False(string.IsNullOrEmpty(error));
        }

        Assert.False(GsoSegments.TryCreate(good, packet.AsSpan(0, 30).ToArray(), out _, out _)); // TCP header cut short
    }

    [Fact]
    public void SegmentLargerThanTheDestination_IsRefused()
    {
        var flow = ReferencePackets.Flow.Random(new Random(6), isIPv6: true, ReferencePackets.Tcp);
        byte[] packet = ReferencePackets.TcpSegment(flow, 1, 1, IPHeaders.Ack, [], new byte[4000]);
        var header = new VirtioNetHeader { Flags = VirtioNetHeader.NeedsChecksum, GsoType = VirtioNetHeader.GsoTcpV6, HeaderLength = 60, GsoSize = 2000, ChecksumStart = 40, ChecksumOffset = 16 };
        Assert.True(GsoSegments.TryCreate(header, packet, out GsoSegments segments, out _));
        Assert.Equal(-1, segments.Write(packet, 0, new byte[1500]));
    }

    [Property(MaxTest = 2000)]
    public Property RandomBytes_NeverThrow(int seed)
    {
        var random = new Random(seed);
        var packet = new byte[random.Next(0, 200)];
        random.NextBytes(packet);
        if (packet.Length > 0 && random.Next(2) == 0)
        {
            packet[0] = (byte)((random.Next(2) == 0 ? 0x40 : 0x60) | (packet[0] & 0x0F));
        }

        var header = new VirtioNetHeader
        {
            Flags = (byte)random.Next(2),
            GsoType = (byte)random.Next(7),
            HeaderLength = (ushort)random.Next(100),
            GsoSize = (ushort)random.Next(0, 100),
            ChecksumStart = (ushort)random.Next(0, 80),
            ChecksumOffset = (ushort)random.Next(0, 30),
        };

        var destination = new byte[300];
        if (GsoSegments.TryCreate(header, packet, out GsoSegments segments, out _))
        {
            for (int i = 0; i < segments.Count; i++)
            {
                _ = segments.Write(packet, i, destination);
            }
        }

        return true.ToProperty();
    }

    private static byte Pick(Random random, byte flag) => random.Next(3) == 0 ? flag : (byte)0;

    /// <summary>TCP options of 0 to 40 bytes: a timestamp-like block padded with NOPs, or random words.</summary>
    internal static byte[] RandomOptions(Random random)
    {
        var options = new byte[random.Next(0, 11) * 4];
        for (int i = 0; i < options.Length; i++)
        {
            options[i] = 1; // NOP
        }

        if (options.Length >= 12)
        {
            options[2] = 8;
            options[3] = 10;
            BinaryPrimitives.WriteUInt32BigEndian(options.AsSpan(4), (uint)random.Next());
        }

        return options;
    }

    [Fact]
    public void ATransportChecksum_Verifies_AndAFlippedBitDoesNot()
    {
        var flow = ReferencePackets.Flow.Random(new Random(7), isIPv6: false, ReferencePackets.Tcp);
        byte[] packet = ReferencePackets.TcpSegment(flow, 1, 2, 0x10, [], "hello, checksum"u8);
        Assert.True(InternetChecksum.IsValid(IPHeaders.TransportSum(packet, false, 20, IPHeaders.Tcp)));

        packet[^1] ^= 0x01;
        Assert.False(InternetChecksum.IsValid(IPHeaders.TransportSum(packet, false, 20, IPHeaders.Tcp)));
    }
}
