namespace Tunnel.Dns;

/// <summary>
/// Why <see cref="DnsMessage.TryParse(ReadOnlySpan{byte}, out DnsMessage, out DnsParseError)"/> rejected a message. The parser stops at the first fault it meets,
/// reading the sections in order, so a message with several faults reports the earliest one.
/// </summary>
public enum DnsParseError
{
    /// <summary>The message is well formed.</summary>
    None,

    /// <summary>Fewer than the 12 bytes of a header.</summary>
    MessageTooShort,

    /// <summary>
    /// The message ends inside a question, a record's owner name or its fixed fields: the header counts more
    /// entries than the message holds.
    /// </summary>
    TruncatedSection,

    /// <summary>A record's RDLENGTH reaches past the end of the message.</summary>
    RecordOutOfBounds,

    /// <summary>
    /// A label length byte whose top two bits are 01 or 10 (RFC 6891 section 5 deprecates the extended label
    /// types; 10 is reserved). A 64-byte label would need such a byte, so this is also how an overlong label shows.
    /// </summary>
    ReservedLabelType,

    /// <summary>A name longer than 255 bytes in wire form once its compression pointers are followed (RFC 1035 section 3.1).</summary>
    NameTooLong,

    /// <summary>A compression pointer to an offset past the end of the message or into the 12-byte header.</summary>
    PointerOutOfRange,

    /// <summary>A compression pointer to an offset after itself.</summary>
    ForwardPointer,

    /// <summary>
    /// A compression pointer to itself or back into the part of the name already read (which would read the
    /// pointer again), one whose labels run into the bytes already read, or one jump too many. Every jump must
    /// land strictly before the bytes the name has read so far, and what it leads to must end before them too:
    /// that is how compressors write names (they point at names written earlier), and it is why no name can loop.
    /// </summary>
    PointerLoop,

    /// <summary>An A record (class IN) whose data is not 4 bytes, or an AAAA record whose data is not 16 bytes.</summary>
    BadAddressLength,

    /// <summary>A CNAME record whose data is not exactly one well-formed name.</summary>
    BadCnameData,

    /// <summary>
    /// An SVCB or HTTPS record (RFC 9460) whose data is malformed: shorter than a priority and a target name, a
    /// compressed target name (section 2.2 forbids compression), keys not in strictly ascending order, a value
    /// reaching past the data, or an ipv4hint that is not a non-empty multiple of 4 bytes or an ipv6hint that is
    /// not a non-empty multiple of 16 bytes.
    /// </summary>
    BadSvcbData,

    /// <summary>
    /// An OPT pseudo-record (RFC 6891) outside the additional section, a second one, one whose owner is not the
    /// root, or one whose options do not exactly fill its data.
    /// </summary>
    BadOptRecord,
}
