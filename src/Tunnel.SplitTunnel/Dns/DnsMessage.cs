using Tunnel.Dns.Internal;

namespace Tunnel.Dns;

/// <summary>
/// A DNS message (RFC 1035 section 4) read in place from the bytes it arrived in, without copying or allocating.
/// <see cref="TryParse(ReadOnlySpan{byte}, out DnsMessage, out DnsParseError)"/> checks the whole message once,
/// so nothing read from it afterwards can fail, go out of bounds or loop.
/// </summary>
/// <remarks>
/// Bytes after the last record the header counts are ignored rather than rejected: they carry nothing a
/// resolver reads, and some middleboxes pad datagrams. <see cref="Bytes"/> leaves them out and
/// <see cref="TrailingByteCount"/> says how many there were. The header's counts must match the records
/// present, even in a truncated (TC) response.
/// </remarks>
public readonly ref struct DnsMessage
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly DnsLayout _layout;

    private DnsMessage(ReadOnlySpan<byte> bytes, DnsLayout layout, int trailingByteCount)
    {
        _bytes = bytes;
        _layout = layout;
        TrailingByteCount = trailingByteCount;
    }

    /// <summary>The message: the header and its four sections, without any trailing bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>How many bytes followed the message and were ignored.</summary>
    public int TrailingByteCount { get; }

    /// <summary>The 16-bit identifier a response copies from its query.</summary>
    public ushort Id => Header(0);

    /// <summary>Whether the message is a response (QR).</summary>
    public bool IsResponse => (Header(DnsWire.FlagsOffset) & DnsWire.ResponseFlag) != 0;

    /// <summary>The kind of query (OPCODE, 4 bits): 0 for a standard query.</summary>
    public byte Opcode => (byte)((Header(DnsWire.FlagsOffset) >> DnsWire.OpcodeShift) & DnsWire.OpcodeMask);

    /// <summary>Whether the responding server is an authority for the name (AA).</summary>
    public bool IsAuthoritative => (Header(DnsWire.FlagsOffset) & DnsWire.AuthoritativeFlag) != 0;

    /// <summary>Whether the response was truncated to fit (TC): the client should ask again over TCP.</summary>
    public bool IsTruncated => (Header(DnsWire.FlagsOffset) & DnsWire.TruncatedFlag) != 0;

    /// <summary>Whether the query asks for recursion (RD); a response copies it.</summary>
    public bool RecursionDesired => (Header(DnsWire.FlagsOffset) & DnsWire.RecursionDesiredFlag) != 0;

    /// <summary>Whether the responding server offers recursion (RA).</summary>
    public bool RecursionAvailable => (Header(DnsWire.FlagsOffset) & DnsWire.RecursionAvailableFlag) != 0;

    /// <summary>The header's 4-bit response code; EDNS's extended bits are not included.</summary>
    public DnsResponseCode ResponseCode => (DnsResponseCode)(Header(DnsWire.FlagsOffset) & DnsWire.ResponseCodeMask);

    /// <summary>The number of questions (QDCOUNT).</summary>
    public int QuestionCount => Header(DnsWire.QuestionCountOffset);

    /// <summary>The number of answer records (ANCOUNT).</summary>
    public int AnswerCount => Header(DnsWire.AnswerCountOffset);

    /// <summary>The number of authority records (NSCOUNT).</summary>
    public int AuthorityCount => Header(DnsWire.AuthorityCountOffset);

    /// <summary>The number of additional records (ARCOUNT), the OPT pseudo-record included.</summary>
    public int AdditionalCount => Header(DnsWire.AdditionalCountOffset);

    /// <summary>Whether the message carries an OPT pseudo-record (EDNS, RFC 6891).</summary>
    public bool HasEdns => _layout.Opt != 0;

    /// <summary>
    /// The sender's UDP payload size from the OPT record, or 0 without EDNS. RFC 6891 section 6.2.5 says to
    /// treat values under 512 as 512; this returns the value as sent.
    /// </summary>
    public ushort EdnsUdpPayloadSize => HasEdns ? DnsWire.ReadUInt16(_bytes, _layout.Opt + 2) : (ushort)0;

    /// <summary>The EDNS version from the OPT record, or 0 without EDNS.</summary>
    public byte EdnsVersion => HasEdns ? _bytes[_layout.Opt + 5] : (byte)0;

    /// <summary>Whether the OPT record's DO bit (RFC 3225) is set; false without EDNS.</summary>
    public bool EdnsDnssecOk => HasEdns && (DnsWire.ReadUInt32(_bytes, _layout.Opt + 4) & DnsWire.DnssecOkFlag) != 0;

    /// <summary>The answer section's records.</summary>
    public DnsRecordEnumerator Answers => new(_bytes, _layout.Answers, AnswerCount);

    /// <summary>The authority section's records.</summary>
    public DnsRecordEnumerator Authorities => new(_bytes, _layout.Authorities, AuthorityCount);

    /// <summary>The additional section's records, the OPT pseudo-record included.</summary>
    public DnsRecordEnumerator Additionals => new(_bytes, _layout.Additionals, AdditionalCount);

    /// <summary>Checks a whole message and, when it is well formed, returns a view of it.</summary>
    /// <param name="message">The message as received: a UDP payload, or a TCP message without its length prefix.</param>
    /// <param name="result">The message, when the method returns <see langword="true"/>; otherwise <see langword="default"/>.</param>
    /// <param name="error">Why the message was rejected, or <see cref="DnsParseError.None"/>.</param>
    /// <returns>Whether the message is well formed. It never throws, whatever the bytes.</returns>
    public static bool TryParse(ReadOnlySpan<byte> message, out DnsMessage result, out DnsParseError error)
    {
        error = DnsMessageValidator.Validate(message, out DnsLayout layout, out int length);
        result = error == DnsParseError.None ? new DnsMessage(message[..length], layout, message.Length - length) : default;
        return error == DnsParseError.None;
    }

    /// <summary>Checks a whole message and, when it is well formed, returns a view of it.</summary>
    /// <param name="message">The message as received: a UDP payload, or a TCP message without its length prefix.</param>
    /// <param name="result">The message, when the method returns <see langword="true"/>; otherwise <see langword="default"/>.</param>
    /// <returns>Whether the message is well formed. It never throws, whatever the bytes.</returns>
    public static bool TryParse(ReadOnlySpan<byte> message, out DnsMessage result) => TryParse(message, out result, out _);

    /// <summary>Reads the first question; most messages have exactly one.</summary>
    /// <param name="question">The question, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether the message has a question.</returns>
    public bool TryGetQuestion(out DnsQuestion question)
    {
        if (QuestionCount == 0)
        {
            question = default;
            return false;
        }

        int fixedFields = DnsWire.HeaderSize + DnsWire.InPlaceLength(_bytes, DnsWire.HeaderSize);
        question = new DnsQuestion(
            new DnsName(_bytes, DnsWire.HeaderSize),
            (DnsRecordType)DnsWire.ReadUInt16(_bytes, fixedFields),
            DnsWire.ReadUInt16(_bytes, fixedFields + 2));
        return true;
    }

    /// <summary>A 16-bit header field; 0 for a <see langword="default"/> message, which has no header.</summary>
    private ushort Header(int offset) => _bytes.Length >= DnsWire.HeaderSize ? DnsWire.ReadUInt16(_bytes, offset) : (ushort)0;
}
