using System.Buffers.Binary;
using Tunnel.Core.Checksums;

namespace Tunnel.Platform.Offloads;

/// <summary>
/// What a TUN device with offloads handed over in one read, described so that it can be cut into
/// MTU-sized packets one at a time (<see cref="Write"/>): a plain packet is one segment; a TCP or UDP
/// segmentation-offload super-packet is its headers plus payload in <see cref="SegmentSize"/> pieces.
/// </summary>
/// <remarks>
/// Cutting works like the kernel's software segmentation: every segment repeats the headers with its own
/// lengths, IPv4 identification (incremented per segment), TCP sequence number and complete checksums; FIN
/// and PSH stay only on the last TCP segment and CWR only on the first.
/// </remarks>
internal readonly struct GsoSegments
{
    private readonly byte _gsoType;
    private readonly bool _isIPv6;
    private readonly int _networkHeaderLength;

    private GsoSegments(byte gsoType, bool isIPv6, int networkHeaderLength, int headerLength, int segmentSize, int payloadLength, int count)
    {
        _gsoType = gsoType;
        _isIPv6 = isIPv6;
        _networkHeaderLength = networkHeaderLength;
        HeaderLength = headerLength;
        SegmentSize = segmentSize;
        PayloadLength = payloadLength;
        Count = count;
    }

    /// <summary>How many packets the read holds.</summary>
    public int Count { get; }

    /// <summary>The network and transport headers every segment repeats (the whole packet when not segmented).</summary>
    public int HeaderLength { get; }

    /// <summary>The payload bytes per segment; the last may be shorter.</summary>
    public int SegmentSize { get; }

    /// <summary>The payload bytes of all segments together.</summary>
    public int PayloadLength { get; }

    /// <summary>
    /// Checks what was read against its virtio header and describes it. A packet that asks for its checksum
    /// to be completed (<c>NEEDS_CSUM</c> without segmentation) has it completed here, in place.
    /// </summary>
    /// <param name="header">The virtio header read in front of the packet.</param>
    /// <param name="packet">The packet, without the virtio header.</param>
    /// <param name="segments">The description.</param>
    /// <param name="error">Why the read was refused.</param>
    /// <returns>Whether the read is well formed.</returns>
    public static bool TryCreate(in VirtioNetHeader header, Span<byte> packet, out GsoSegments segments, out string? error)
    {
        segments = default;
        byte gsoType = (byte)(header.GsoType & ~VirtioNetHeader.GsoEcn);
        if (gsoType == VirtioNetHeader.GsoNone)
        {
            if ((header.Flags & VirtioNetHeader.NeedsChecksum) != 0)
            {
                int start = header.ChecksumStart, field = start + header.ChecksumOffset;
                if (start >= packet.Length || field + 2 > packet.Length)
                {
                    error = $"checksum start {start} and offset {header.ChecksumOffset} are outside the {packet.Length}-byte packet";
                    return false;
                }

                // The field holds the pseudo-header sum; the sum over the rest completes it.
                InternetChecksum.Store(packet, field, InternetChecksum.Complement(InternetChecksum.Add(packet[start..])));
            }

            segments = new GsoSegments(gsoType, false, 0, packet.Length, 0, 0, 1);
            error = null;
            return true;
        }

        if (!IPHeaders.TryReadNetwork(packet, out bool isIPv6, out int networkHeaderLength, out byte protocol))
        {
            error = "the segmentation-offload packet has no valid IPv4 or IPv6 header";
            return false;
        }

        // The transport header starts where the checksum does; for IPv6 that skips any extension headers.
        int transportStart = header.ChecksumStart;
        bool typeMatches = gsoType switch
        {
            VirtioNetHeader.GsoTcpV4 => !isIPv6 && protocol == IPHeaders.Tcp,
            VirtioNetHeader.GsoTcpV6 => isIPv6,
            VirtioNetHeader.GsoUdpL4 => isIPv6 || protocol == IPHeaders.Udp,
            _ => false,
        };
        if (!typeMatches || (header.Flags & VirtioNetHeader.NeedsChecksum) == 0 || transportStart < networkHeaderLength || (!isIPv6 && transportStart != networkHeaderLength))
        {
            error = $"segmentation type {header.GsoType}, flags {header.Flags} and checksum start {transportStart} do not match the packet";
            return false;
        }

        int headerLength;
        if (gsoType == VirtioNetHeader.GsoUdpL4)
        {
            headerLength = transportStart + IPHeaders.UdpHeaderLength;
        }
        else
        {
            if (transportStart + IPHeaders.MinTcpHeaderLength > packet.Length)
            {
                error = "the TCP header is cut short";
                return false;
            }

            int tcpHeaderLength = (packet[transportStart + IPHeaders.TcpDataOffset] >> 4) * 4;
            if (tcpHeaderLength < IPHeaders.MinTcpHeaderLength)
            {
                error = $"the TCP data offset {tcpHeaderLength} is below the minimum";
                return false;
            }

            headerLength = transportStart + tcpHeaderLength;
        }

        int payload = packet.Length - headerLength;
        if (header.GsoSize == 0 || payload < 0)
        {
            error = $"segment size {header.GsoSize} and header length {headerLength} do not fit the {packet.Length}-byte packet";
            return false;
        }

        int count = Math.Max(1, (payload + header.GsoSize - 1) / header.GsoSize);
        segments = new GsoSegments(gsoType, isIPv6, transportStart, headerLength, header.GsoSize, payload, count);
        error = null;
        return true;
    }

    /// <summary>Writes segment <paramref name="index"/> into <paramref name="destination"/>.</summary>
    /// <param name="packet">The packet <see cref="TryCreate"/> described.</param>
    /// <param name="index">The segment, from 0 to <see cref="Count"/> - 1.</param>
    /// <param name="destination">Where the segment goes.</param>
    /// <returns>The segment's length, or -1 when it does not fit <paramref name="destination"/>.</returns>
    public int Write(ReadOnlySpan<byte> packet, int index, Span<byte> destination)
    {
        if (_gsoType == VirtioNetHeader.GsoNone)
        {
            return packet.TryCopyTo(destination) ? packet.Length : -1;
        }

        int start = index * SegmentSize;
        int payload = Math.Min(SegmentSize, PayloadLength - start);
        int length = HeaderLength + payload;
        if (length > destination.Length)
        {
            return -1;
        }

        Span<byte> segment = destination[..length];
        packet[..HeaderLength].CopyTo(segment);
        // The payload is summed while it is copied; the transport header (a multiple of 4 bytes, so the
        // payload's words stay aligned) is summed once it is rewritten.
        ulong payloadSum = InternetChecksum.CopyAndAdd(packet.Slice(HeaderLength + start, payload), segment[HeaderLength..]);

        ushort? identification = _isIPv6 ? null : (ushort)(BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) + index);
        IPHeaders.RewriteNetwork(segment, _isIPv6, _networkHeaderLength, length, identification);

        Span<byte> transport = segment[_networkHeaderLength..];
        byte protocol;
        int checksumField;
        if (_gsoType == VirtioNetHeader.GsoUdpL4)
        {
            protocol = IPHeaders.Udp;
            checksumField = IPHeaders.UdpChecksum;
            BinaryPrimitives.WriteUInt16BigEndian(transport[IPHeaders.UdpLength..], (ushort)transport.Length);
        }
        else
        {
            protocol = IPHeaders.Tcp;
            checksumField = IPHeaders.TcpChecksum;
            uint sequence = BinaryPrimitives.ReadUInt32BigEndian(packet[(_networkHeaderLength + IPHeaders.TcpSequence)..]);
            BinaryPrimitives.WriteUInt32BigEndian(transport[IPHeaders.TcpSequence..], unchecked(sequence + (uint)start));
            if (index != Count - 1)
            {
                transport[IPHeaders.TcpFlags] &= unchecked((byte)~(IPHeaders.Fin | IPHeaders.Psh));
            }

            if (index != 0)
            {
                transport[IPHeaders.TcpFlags] &= unchecked((byte)~IPHeaders.Cwr);
            }
        }

        transport[checksumField] = 0;
        transport[checksumField + 1] = 0;
        ulong sum = InternetChecksum.PseudoHeader(IPHeaders.Source(segment, _isIPv6), IPHeaders.Destination(segment, _isIPv6), protocol, transport.Length);
        ushort checksum = InternetChecksum.Complement(InternetChecksum.Add(transport[..(HeaderLength - _networkHeaderLength)], sum + payloadSum));
        if (checksum == 0 && protocol == IPHeaders.Udp)
        {
            checksum = 0xFFFF; // zero means "no checksum" in UDP (RFC 768)
        }

        InternetChecksum.Store(transport, checksumField, checksum);
        return length;
    }
}
