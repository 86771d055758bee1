using System.Buffers.Binary;
using Tunnel.Core.Checksums;

namespace Tunnel.Platform.Offloads;

/// <summary>
/// Receive-side coalescing for a TUN device with offloads: consecutive TCP segments of one flow (and, where
/// the kernel takes UDP segmentation, equal-sized UDP datagrams of one flow) in a batch become one
/// super-packet, so the kernel's stack handles one large packet instead of dozens of small ones.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Coalesce"/> groups the packets of a write batch. A group's first packet (its head) gets the
/// lengths of the whole group and the partial checksum the virtio header asks the kernel to complete; the
/// other packets contribute their payload only, in order, without being copied. Every other packet is a
/// group of one, written as it is.
/// </para>
/// <para>
/// The rules follow the kernel's own GRO: same addresses, ports, IP header fields and TCP options and
/// acknowledgement; TCP sequence numbers contiguous; every segment the size of the first except a smaller
/// last one; a PSH ends a group; nothing with SYN, FIN, RST, URG, ECE or CWR, no IPv4 fragment or IPv6
/// extension header joins one. Checksums (IPv4 header and transport) are verified before a packet joins a group, because the kernel
/// trusts a checksum it is asked to complete: a corrupt segment is written on its own for the kernel to
/// drop, as it would be without offloads. Packets of one flow keep their order.
/// </para>
/// </remarks>
internal sealed class PacketCoalescer
{
    /// <summary>The most packets in one group, as the kernel's GRO allows (<c>MAX_GRO_SKBS</c>-like bound).</summary>
    public const int MaxSegments = 64;

    /// <summary>The most bytes in one super-packet: the IPv4 total-length field.</summary>
    public const int MaxPacketLength = 65535;

    private readonly Group[] _groups;
    private readonly int[] _next;

    /// <summary>Creates a coalescer for batches of up to <paramref name="capacity"/> packets.</summary>
    /// <param name="capacity">The largest batch.</param>
    /// <param name="coalesceUdp">Whether UDP is coalesced too (the kernel must accept <c>GSO_UDP_L4</c>).</param>
    public PacketCoalescer(int capacity, bool coalesceUdp)
    {
        _groups = new Group[capacity];
        _next = new int[capacity];
        CoalescesUdp = coalesceUdp;
    }

    /// <summary>Whether UDP datagrams are coalesced besides TCP segments.</summary>
    public bool CoalescesUdp { get; }

    /// <summary>How many groups the last <see cref="Coalesce"/> made, in the order of their heads.</summary>
    public int GroupCount { get; private set; }

    /// <summary>Group <paramref name="index"/> of the last <see cref="Coalesce"/>.</summary>
    public ref readonly Group this[int index] => ref _groups[index];

    /// <summary>The packet after <paramref name="packet"/> in its group, or -1.</summary>
    public int Next(int packet) => _next[packet];

    /// <summary>
    /// Groups a batch and rewrites the head of every group of more than one packet in place.
    /// </summary>
    /// <param name="packets">Each buffer holds one packet from <paramref name="offset"/> to its end.</param>
    /// <param name="offset">Where the packets start in their buffers.</param>
    public void Coalesce(ReadOnlySpan<Memory<byte>> packets, int offset)
    {
        if (packets.Length > _groups.Length)
        {
            throw new ArgumentException($"The batch has {packets.Length} packets; the coalescer takes {_groups.Length}.", nameof(packets));
        }

        GroupCount = 0;
        for (int i = 0; i < packets.Length; i++)
        {
            _next[i] = -1;
            ReadOnlySpan<byte> packet = packets[i].Span[offset..];
            if (!TryClassify(packet, out Candidate candidate))
            {
                CloseFlow(packets, offset, packet);
                _groups[GroupCount++] = Group.Single(i, closed: true);
                continue;
            }

            int open = FindOpenGroup(packets, offset, packet, candidate);
            if (open >= 0 && TryAppend(ref _groups[open], packets, offset, i, packet, candidate))
            {
                continue;
            }

            if (open >= 0)
            {
                _groups[open].Closed = true; // the flow moved on; later packets must not jump over this one
            }

            _groups[GroupCount++] = Group.Start(i, packet, candidate);
        }

        for (int g = 0; g < GroupCount; g++)
        {
            ref Group group = ref _groups[g];
            if (group.Count > 1)
            {
                Finish(ref group, packets[group.Head].Span[offset..]);
            }
        }
    }

    private int FindOpenGroup(ReadOnlySpan<Memory<byte>> packets, int offset, ReadOnlySpan<byte> packet, in Candidate candidate)
    {
        for (int g = GroupCount - 1; g >= 0; g--)
        {
            ref Group group = ref _groups[g];
            if (group.Kind == GroupKind.None)
            {
                continue;
            }

            ReadOnlySpan<byte> head = packets[group.Head].Span[offset..];
            if (SameFlow(head, group, packet, candidate))
            {
                return group.Closed ? -1 : g;
            }
        }

        return -1;
    }

    /// <summary>
    /// Closes the open groups a packet that cannot join one may belong to (a FIN, a fragment), so that no
    /// later packet of its flow is written before it.
    /// </summary>
    private void CloseFlow(ReadOnlySpan<Memory<byte>> packets, int offset, ReadOnlySpan<byte> packet)
    {
        int version = packet.IsEmpty ? 0 : packet[0] >> 4;
        bool isIPv6 = version == 6;
        if (version is not (4 or 6) || packet.Length < (isIPv6 ? IPHeaders.IPv6HeaderLength : 20))
        {
            return; // not IP: it belongs to no flow a group holds
        }

        // Ports only where they can be read; a fragment closes every group between its two addresses.
        bool hasPorts = IPHeaders.TryReadNetwork(packet, out _, out int network, out byte protocol)
            && protocol is IPHeaders.Tcp or IPHeaders.Udp && packet.Length >= network + 4;
        for (int g = 0; g < GroupCount; g++)
        {
            ref Group group = ref _groups[g];
            if (group.Kind == GroupKind.None || group.Closed || group.IsIPv6 != isIPv6)
            {
                continue;
            }

            ReadOnlySpan<byte> head = packets[group.Head].Span[offset..];
            if (IPHeaders.Source(head, isIPv6).SequenceEqual(IPHeaders.Source(packet, isIPv6))
                && IPHeaders.Destination(head, isIPv6).SequenceEqual(IPHeaders.Destination(packet, isIPv6))
                && (!hasPorts || head.Slice(group.NetworkHeaderLength, 4).SequenceEqual(packet.Slice(network, 4))))
            {
                group.Closed = true;
            }
        }
    }

    private static bool SameFlow(ReadOnlySpan<byte> head, in Group group, ReadOnlySpan<byte> packet, in Candidate candidate) =>
        group.Kind == candidate.Kind
        && group.IsIPv6 == candidate.IsIPv6
        && IPHeaders.Source(head, group.IsIPv6).SequenceEqual(IPHeaders.Source(packet, candidate.IsIPv6))
        && IPHeaders.Destination(head, group.IsIPv6).SequenceEqual(IPHeaders.Destination(packet, candidate.IsIPv6))
        && head.Slice(group.NetworkHeaderLength, 4).SequenceEqual(packet.Slice(candidate.NetworkHeaderLength, 4));

    private bool TryAppend(ref Group group, ReadOnlySpan<Memory<byte>> packets, int offset, int index, ReadOnlySpan<byte> packet, in Candidate candidate)
    {
        ReadOnlySpan<byte> head = packets[group.Head].Span[offset..];
        if (candidate.HeaderLength != group.HeaderLength
            || candidate.PayloadLength > group.SegmentSize
            || group.Count == MaxSegments
            || group.HeaderLength + group.PayloadLength + candidate.PayloadLength > MaxPacketLength
            || !SameNetworkFields(head, packet, group.IsIPv6))
        {
            return false;
        }

        if (group.Kind == GroupKind.Tcp)
        {
            int tcp = group.NetworkHeaderLength;
            // Acknowledgement, then the data offset and options; the sequence number must continue the group.
            if (BinaryPrimitives.ReadUInt32BigEndian(packet[(tcp + IPHeaders.TcpSequence)..]) != group.NextSequence
                || !head.Slice(tcp + IPHeaders.TcpAcknowledgement, 5).SequenceEqual(packet.Slice(tcp + IPHeaders.TcpAcknowledgement, 5))
                || !head[(tcp + IPHeaders.MinTcpHeaderLength)..group.HeaderLength].SequenceEqual(packet[(tcp + IPHeaders.MinTcpHeaderLength)..candidate.HeaderLength]))
            {
                return false;
            }

            group.NextSequence = unchecked(group.NextSequence + (uint)candidate.PayloadLength);
            if ((packet[tcp + IPHeaders.TcpFlags] & IPHeaders.Psh) != 0)
            {
                group.Push = true;
                group.Closed = true;
            }
        }

        if (candidate.PayloadLength < group.SegmentSize)
        {
            group.Closed = true;
        }

        _next[group.Tail] = index;
        group.Tail = index;
        group.Count++;
        group.PayloadLength += candidate.PayloadLength;
        return true;
    }

    /// <summary>The IP header fields a coalesced packet carries once for all: TOS, DF, TTL; traffic class, flow label, hop limit.</summary>
    private static bool SameNetworkFields(ReadOnlySpan<byte> head, ReadOnlySpan<byte> packet, bool isIPv6) => isIPv6
        ? head[..4].SequenceEqual(packet[..4]) && head[7] == packet[7]
        : head[1] == packet[1] && (head[6] & 0x40) == (packet[6] & 0x40) && head[8] == packet[8];

    /// <summary>Gives the head the group's lengths and the partial checksums, and builds its virtio header.</summary>
    private static void Finish(ref Group group, Span<byte> head)
    {
        int length = group.HeaderLength + group.PayloadLength;
        IPHeaders.RewriteNetwork(head, group.IsIPv6, group.NetworkHeaderLength, length, identification: null);
        // The head holds only its own payload; the lengths written are those of the whole group.
        Span<byte> transport = head[group.NetworkHeaderLength..group.HeaderLength];
        int transportLength = length - group.NetworkHeaderLength;
        byte protocol;
        int checksumField;
        if (group.Kind == GroupKind.Tcp)
        {
            protocol = IPHeaders.Tcp;
            checksumField = IPHeaders.TcpChecksum;
            if (group.Push)
            {
                transport[IPHeaders.TcpFlags] |= IPHeaders.Psh;
            }
        }
        else
        {
            protocol = IPHeaders.Udp;
            checksumField = IPHeaders.UdpChecksum;
            BinaryPrimitives.WriteUInt16BigEndian(transport[IPHeaders.UdpLength..], (ushort)transportLength);
        }

        // NEEDS_CSUM: the field holds the folded pseudo-header sum and the kernel adds the rest.
        ulong pseudo = InternetChecksum.PseudoHeader(IPHeaders.Source(head, group.IsIPv6), IPHeaders.Destination(head, group.IsIPv6), protocol, transportLength);
        InternetChecksum.Store(transport, checksumField, InternetChecksum.Fold(pseudo));

        group.Header = new VirtioNetHeader
        {
            Flags = VirtioNetHeader.NeedsChecksum,
            GsoType = group.Kind == GroupKind.Udp ? VirtioNetHeader.GsoUdpL4 : group.IsIPv6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4,
            HeaderLength = (ushort)group.HeaderLength,
            GsoSize = (ushort)group.SegmentSize,
            ChecksumStart = (ushort)group.NetworkHeaderLength,
            ChecksumOffset = (ushort)checksumField,
        };
    }

    /// <summary>Whether a packet may start or join a group, and its layout.</summary>
    private bool TryClassify(ReadOnlySpan<byte> packet, out Candidate candidate)
    {
        candidate = default;
        if (!IPHeaders.TryReadNetwork(packet, out bool isIPv6, out int network, out byte protocol)
            || IPHeaders.DeclaredLength(packet, isIPv6) != packet.Length
            || (!isIPv6 && !InternetChecksum.IsValid(InternetChecksum.Add(packet[..network]))))
        {
            return false;
        }

        int header;
        GroupKind kind;
        if (protocol == IPHeaders.Tcp)
        {
            if (packet.Length < network + IPHeaders.MinTcpHeaderLength)
            {
                return false;
            }

            header = network + ((packet[network + IPHeaders.TcpDataOffset] >> 4) * 4);
            byte flags = packet[network + IPHeaders.TcpFlags];
            if (header - network < IPHeaders.MinTcpHeaderLength || header >= packet.Length
                || (flags & ~IPHeaders.Psh) != IPHeaders.Ack)
            {
                return false;
            }

            kind = GroupKind.Tcp;
        }
        else if (protocol == IPHeaders.Udp && CoalescesUdp)
        {
            header = network + IPHeaders.UdpHeaderLength;
            if (header >= packet.Length || BinaryPrimitives.ReadUInt16BigEndian(packet[(network + IPHeaders.UdpLength)..]) != packet.Length - network)
            {
                return false;
            }

            kind = GroupKind.Udp;
        }
        else
        {
            return false;
        }

        bool unchecksummed = kind == GroupKind.Udp && !isIPv6 && packet[network + IPHeaders.UdpChecksum] == 0 && packet[network + IPHeaders.UdpChecksum + 1] == 0;
        if (!unchecksummed && !InternetChecksum.IsValid(IPHeaders.TransportSum(packet, isIPv6, network, protocol)))
        {
            return false;
        }

        candidate = new Candidate(kind, isIPv6, network, header, packet.Length - header);
        return true;
    }

    /// <summary>What a group holds.</summary>
    internal enum GroupKind : byte
    {
        /// <summary>A packet that cannot be coalesced.</summary>
        None,

        /// <summary>TCP segments.</summary>
        Tcp,

        /// <summary>UDP datagrams.</summary>
        Udp,
    }

    internal readonly record struct Candidate(GroupKind Kind, bool IsIPv6, int NetworkHeaderLength, int HeaderLength, int PayloadLength);

    /// <summary>One packet written to the device: a head and the payloads that follow it.</summary>
    internal struct Group
    {
        /// <summary>The index of the first packet; it carries the headers.</summary>
        public int Head;

        /// <summary>The last packet so far.</summary>
        public int Tail;

        /// <summary>How many packets.</summary>
        public int Count;

        /// <summary>The virtio header to write in front of the head (all zero for a group of one).</summary>
        public VirtioNetHeader Header;

        /// <summary>The headers' length; every other packet of the group is written from this offset on.</summary>
        public int HeaderLength;

        public GroupKind Kind;
        public bool IsIPv6;
        public bool Closed;
        public bool Push;
        public int NetworkHeaderLength;
        public int SegmentSize;
        public int PayloadLength;
        public uint NextSequence;

        public static Group Single(int index, bool closed) => new() { Head = index, Tail = index, Count = 1, Closed = closed, Kind = GroupKind.None };

        public static Group Start(int index, ReadOnlySpan<byte> packet, in Candidate candidate)
        {
            Group group = Single(index, closed: false);
            group.Kind = candidate.Kind;
            group.IsIPv6 = candidate.IsIPv6;
            group.NetworkHeaderLength = candidate.NetworkHeaderLength;
            group.HeaderLength = candidate.HeaderLength;
            group.SegmentSize = candidate.PayloadLength;
            group.PayloadLength = candidate.PayloadLength;
            if (candidate.Kind == GroupKind.Tcp)
            {
                int tcp = candidate.NetworkHeaderLength;
                group.NextSequence = unchecked(BinaryPrimitives.ReadUInt32BigEndian(packet[(tcp + IPHeaders.TcpSequence)..]) + (uint)candidate.PayloadLength);
                group.Closed = (packet[tcp + IPHeaders.TcpFlags] & IPHeaders.Psh) != 0;
                group.Push = group.Closed;
            }

            return group;
        }
    }
}
