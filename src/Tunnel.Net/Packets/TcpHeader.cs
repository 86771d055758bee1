using System.Buffers.Binary;
using Tunnel.Core.Checksums;

namespace Tunnel.Net.Packets;

/// <summary>The TCP control bits (RFC 9293 section 3.1).</summary>
[Flags]
internal enum TcpFlags : byte
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
    Urg = 0x20,
}

/// <summary>
/// One TCP segment read out of an IP packet (RFC 9293 section 3.1): ports, sequence and acknowledgment numbers,
/// control bits, window, the options a connection negotiates (MSS, window scale, SACK permitted) and the data.
/// </summary>
internal readonly ref struct TcpSegment
{
    public const int HeaderLength = 20;

    /// <summary>
    /// The header a SYN of ours carries: MSS (4), window scale (3 + a NOP) and SACK permitted (2 + two NOPs). A peer
    /// told it may send SACKs counts on receiving them (Linux's sender then counts no duplicate ACKs), so our ACKs carry
    /// SACK blocks whenever data waits out of order (RFC 2018).
    /// </summary>
    public const int SynHeaderLength = HeaderLength + 12;

    /// <summary>The most SACK blocks an ACK of ours carries: four, with no timestamps (RFC 2018 section 3).</summary>
    public const int MaxSackBlocks = 4;

    public ushort SourcePort { get; init; }

    public ushort DestinationPort { get; init; }

    public uint Sequence { get; init; }

    public uint Acknowledgment { get; init; }

    public TcpFlags Flags { get; init; }

    /// <summary>The window field as sent (before any scaling).</summary>
    public ushort Window { get; init; }

    /// <summary>The maximum segment size option; 0 when absent.</summary>
    public ushort MaximumSegmentSize { get; init; }

    /// <summary>The window scale option's shift; -1 when absent.</summary>
    public int WindowScale { get; init; }

    public bool SackPermitted { get; init; }

    /// <summary>The SACK option's blocks (left and right edges, 32 bits each, in network order); empty when absent.</summary>
    public ReadOnlySpan<byte> SackBlocks { get; init; }

    public ReadOnlySpan<byte> Payload { get; init; }

    public bool Has(TcpFlags flag) => (Flags & flag) != 0;

    /// <summary>The sequence space the segment occupies: its data, plus one each for SYN and FIN.</summary>
    public int SequenceLength => Payload.Length + (Has(TcpFlags.Syn) ? 1 : 0) + (Has(TcpFlags.Fin) ? 1 : 0);

    /// <summary>Reads a segment out of an IP packet's transport bytes, checking its checksum and options.</summary>
    public static bool TryRead(in IPPacket packet, out TcpSegment segment, out PacketDropReason reason)
    {
        segment = default;
        ReadOnlySpan<byte> bytes = packet.Transport;
        if (bytes.Length < HeaderLength)
        {
            reason = PacketDropReason.Malformed;
            return false;
        }

        int headerLength = (bytes[12] >> 4) * 4;
        if (headerLength < HeaderLength || headerLength > bytes.Length)
        {
            reason = PacketDropReason.Malformed;
            return false;
        }

        if (!InternetChecksum.IsValid(InternetChecksum.Add(bytes, InternetChecksum.PseudoHeader(packet.Source, packet.Destination, IPProtocol.Tcp, bytes.Length))))
        {
            reason = PacketDropReason.BadChecksum;
            return false;
        }

        ushort mss = 0;
        int scale = -1;
        bool sack = false;
        ReadOnlySpan<byte> sackBlocks = default;
        ReadOnlySpan<byte> options = bytes[HeaderLength..headerLength];
        while (!options.IsEmpty)
        {
            byte kind = options[0];
            if (kind == 0)
            {
                break; // end of options
            }

            if (kind == 1)
            {
                options = options[1..];
                continue;
            }

            if (options.Length < 2 || options[1] < 2 || options[1] > options.Length)
            {
                reason = PacketDropReason.Malformed;
                return false;
            }

            ReadOnlySpan<byte> option = options[..options[1]];
            switch (kind)
            {
                case 2 when option.Length == 4:
                    mss = BinaryPrimitives.ReadUInt16BigEndian(option[2..]);
                    break;
                case 3 when option.Length == 3:
                    scale = Math.Min((int)option[2], 14); // RFC 7323 section 2.3: larger shifts are taken as 14
                    break;
                case 4 when option.Length == 2:
                    sack = true;
                    break;
                case 5 when (option.Length - 2) % 8 == 0:
                    sackBlocks = option[2..];
                    break;
            }

            options = options[option.Length..];
        }

        segment = new TcpSegment
        {
            SourcePort = BinaryPrimitives.ReadUInt16BigEndian(bytes),
            DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            Sequence = BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]),
            Acknowledgment = BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]),
            Flags = (TcpFlags)(bytes[13] & 0x3F),
            Window = BinaryPrimitives.ReadUInt16BigEndian(bytes[14..]),
            MaximumSegmentSize = mss,
            WindowScale = scale,
            SackPermitted = sack,
            SackBlocks = sackBlocks,
            Payload = bytes[headerLength..],
        };
        reason = PacketDropReason.None;
        return true;
    }

    /// <summary>
    /// Writes a segment's header in front of <paramref name="payloadLength"/> data bytes already in place after
    /// <see cref="HeaderLength"/> (or <see cref="SynHeaderLength"/> when <paramref name="synOptions"/>, the options a SYN
    /// carries: our MSS and window scale), and its checksum.
    /// </summary>
    /// <returns>The segment's length.</returns>
    public static int Write(
        Span<byte> destination, ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgment, TcpFlags flags, ushort window,
        (ushort Mss, byte WindowScale)? synOptions, int payloadLength, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destinationAddress,
        ReadOnlySpan<uint> sackEdges = default)
    {
        int blocks = synOptions is null ? Math.Min(sackEdges.Length / 2, MaxSackBlocks) : 0;
        int headerLength = synOptions is not null ? SynHeaderLength : blocks > 0 ? HeaderLength + 4 + (8 * blocks) : HeaderLength;
        BinaryPrimitives.WriteUInt16BigEndian(destination, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], acknowledgment);
        destination[12] = (byte)(headerLength / 4 << 4);
        destination[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], window);
        destination[16] = destination[17] = destination[18] = destination[19] = 0;
        if (synOptions is { } syn)
        {
            Span<byte> options = destination[HeaderLength..SynHeaderLength];
            options[0] = 2;
            options[1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(options[2..], syn.Mss);
            options[4] = 1;
            options[5] = 3;
            options[6] = 3;
            options[7] = syn.WindowScale;
            options[8] = 1;
            options[9] = 1;
            options[10] = 4;
            options[11] = 2;
        }

        if (blocks > 0)
        {
            // NOP, NOP, SACK, length, then each block's left and right edges (RFC 2018 section 3).
            Span<byte> options = destination[HeaderLength..headerLength];
            options[0] = 1;
            options[1] = 1;
            options[2] = 5;
            options[3] = (byte)(2 + (8 * blocks));
            for (int i = 0; i < blocks; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(options[(4 + (8 * i))..], sackEdges[2 * i]);
                BinaryPrimitives.WriteUInt32BigEndian(options[(8 + (8 * i))..], sackEdges[(2 * i) + 1]);
            }
        }

        int length = headerLength + payloadLength;
        ulong sum = InternetChecksum.Add(destination[..length], InternetChecksum.PseudoHeader(source, destinationAddress, IPProtocol.Tcp, length));
        InternetChecksum.Store(destination, 16, InternetChecksum.Complement(sum));
        return length;
    }
}
