using System.Buffers.Binary;

namespace Tunnel.Dns.Internal;

/// <summary>The DNS wire format's layout (RFC 1035 section 4.1) and the few reads every part shares.</summary>
internal static class DnsWire
{
    internal const int HeaderSize = 12;
    internal const int FlagsOffset = 2;
    internal const int QuestionCountOffset = 4;
    internal const int AnswerCountOffset = 6;
    internal const int AuthorityCountOffset = 8;
    internal const int AdditionalCountOffset = 10;

    // Flags, as the 16-bit word at FlagsOffset.
    internal const int ResponseFlag = 0x8000;
    internal const int OpcodeShift = 11;
    internal const int OpcodeMask = 0xF;
    internal const int AuthoritativeFlag = 0x0400;
    internal const int TruncatedFlag = 0x0200;
    internal const int RecursionDesiredFlag = 0x0100;
    internal const int RecursionAvailableFlag = 0x0080;
    internal const int ResponseCodeMask = 0xF;

    /// <summary>QTYPE and QCLASS after a question's name.</summary>
    internal const int QuestionFixedSize = 4;

    /// <summary>TYPE, CLASS, TTL and RDLENGTH after a record's owner name.</summary>
    internal const int RecordFixedSize = 10;

    internal const ushort ClassInternet = 1;

    /// <summary>RFC 1035 section 3.1: a name is at most 255 bytes in wire form, length bytes and root included.</summary>
    internal const int MaxNameWireLength = 255;

    internal const int MaxLabelLength = 63;

    /// <summary>
    /// A name has at most 127 labels before its root, and a compressor needs at most one pointer per label, so
    /// no well-formed name jumps more often. The bound keeps the cost of reading any name small, whatever the input.
    /// </summary>
    internal const int MaxPointerJumps = 127;

    // The top two bits of a label's length byte (RFC 1035 section 4.1.4, RFC 6891 section 5).
    internal const int LabelTypeMask = 0xC0;
    internal const int PointerType = 0xC0;

    // OPT (RFC 6891 section 6.1.3): the TTL field holds extended RCODE, version and flags.
    internal const uint DnssecOkFlag = 0x8000;

    // SvcParamKeys (RFC 9460 section 14.3.2).
    internal const ushort Ipv4HintKey = 4;
    internal const ushort Ipv6HintKey = 6;

    internal static ushort ReadUInt16(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt16BigEndian(bytes.Slice(offset, 2));

    internal static uint ReadUInt32(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(offset, 4));

    /// <summary>RFC 4343: only the ASCII letters fold; every other byte compares exactly.</summary>
    internal static byte ToLower(byte value) => (uint)(value - 'A') <= 'Z' - 'A' ? (byte)(value | 0x20) : value;

    /// <summary>
    /// The bytes a name occupies where it is written: up to and including its root byte or its first pointer.
    /// Only for names already validated; anything else yields what remains of <paramref name="bytes"/>.
    /// </summary>
    internal static int InPlaceLength(ReadOnlySpan<byte> bytes, int offset)
    {
        int position = offset;
        while ((uint)position < (uint)bytes.Length)
        {
            int length = bytes[position];
            if (length == 0)
            {
                return position + 1 - offset;
            }

            if ((length & LabelTypeMask) == PointerType)
            {
                return Math.Min(position + 2, bytes.Length) - offset;
            }

            position += 1 + length;
        }

        return bytes.Length - offset;
    }
}
