using System.Buffers.Binary;
using Tunnel.Dns.Internal;

namespace Tunnel.Dns;

/// <summary>Writes the few DNS messages a forwarder answers by itself.</summary>
public static class DnsMessageWriter
{
    /// <summary>
    /// The UDP payload size an error response advertises when the query used EDNS: 1232 bytes, the size DNS Flag
    /// Day 2020 chose so that a response fits the IPv6 minimum MTU (1280) after its IPv6 and UDP headers without
    /// fragmenting. An error response is tiny; the value only tells the client what it may send us next.
    /// </summary>
    public const ushort ErrorResponsePayloadSize = 1232;

    private const int OptRecordSize = 1 + DnsWire.RecordFixedSize;

    /// <summary>
    /// Writes a response that refuses or fails a query: the query's ID, opcode and RD bit and its first question
    /// copied verbatim, QR and RA set, the given response code and no records, except a minimal OPT record
    /// (version 0, <see cref="ErrorResponsePayloadSize"/>, the query's DO bit, no options) when the query had one.
    /// It answers the DoH canary domain with <see cref="DnsResponseCode.NameError"/> and a query that cannot be
    /// forwarded with <see cref="DnsResponseCode.ServerFailure"/>.
    /// </summary>
    /// <param name="query">The query as received. It must parse and must not be a response, so that two forwarders never answer each other.</param>
    /// <param name="code">The response code; only the 4-bit header codes (0 to 15) can be written.</param>
    /// <param name="destination">Where to write; it may be the query's own buffer, starting at the same byte.</param>
    /// <param name="written">The response's length, or 0 when the method returns <see langword="false"/>.</param>
    /// <returns>Whether the response was written: false for a malformed query or a response, a code above 15, or a destination too small.</returns>
    public static bool TryWriteErrorResponse(ReadOnlySpan<byte> query, DnsResponseCode code, Span<byte> destination, out int written)
    {
        written = 0;
        if ((byte)code > DnsWire.ResponseCodeMask || !DnsMessage.TryParse(query, out DnsMessage message) || message.IsResponse)
        {
            return false;
        }

        // The first name of a valid message cannot be compressed (a pointer would have to go back into the
        // header), so its question is self-contained and copies as it stands.
        int questionLength = message.QuestionCount > 0
            ? DnsWire.InPlaceLength(message.Bytes, DnsWire.HeaderSize) + DnsWire.QuestionFixedSize
            : 0;
        int length = DnsWire.HeaderSize + questionLength + (message.HasEdns ? OptRecordSize : 0);
        if (destination.Length < length)
        {
            return false;
        }

        // Everything read from the query is read before anything is written, so the two may share a buffer.
        ushort id = message.Id;
        bool hasEdns = message.HasEdns;
        bool dnssecOk = message.EdnsDnssecOk;
        int flags = DnsWire.ResponseFlag
            | (message.Opcode << DnsWire.OpcodeShift)
            | (message.RecursionDesired ? DnsWire.RecursionDesiredFlag : 0)
            | DnsWire.RecursionAvailableFlag
            | (int)code;

        message.Bytes.Slice(DnsWire.HeaderSize, questionLength).CopyTo(destination[DnsWire.HeaderSize..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination, id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[DnsWire.FlagsOffset..], (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[DnsWire.QuestionCountOffset..], (ushort)(questionLength > 0 ? 1 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(destination[DnsWire.AnswerCountOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[DnsWire.AuthorityCountOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[DnsWire.AdditionalCountOffset..], (ushort)(hasEdns ? 1 : 0));

        if (hasEdns)
        {
            // RFC 6891 section 6.1.2: root owner, TYPE 41, CLASS the payload size, TTL extended RCODE (0: every code
            // written here fits the header), version 0 and flags, then no options. RFC 3225 section 3 copies DO.
            Span<byte> opt = destination.Slice(DnsWire.HeaderSize + questionLength, OptRecordSize);
            opt[0] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(opt[1..], (ushort)DnsRecordType.OPT);
            BinaryPrimitives.WriteUInt16BigEndian(opt[3..], ErrorResponsePayloadSize);
            BinaryPrimitives.WriteUInt32BigEndian(opt[5..], dnssecOk ? DnsWire.DnssecOkFlag : 0);
            BinaryPrimitives.WriteUInt16BigEndian(opt[9..], 0);
        }

        written = length;
        return true;
    }
}
