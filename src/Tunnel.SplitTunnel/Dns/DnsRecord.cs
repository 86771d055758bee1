using Tunnel.Dns.Internal;

namespace Tunnel.Dns;

/// <summary>
/// A resource record of a parsed <see cref="DnsMessage"/> (RFC 1035 section 4.1.3). The message was validated
/// whole, so the typed accessors cannot fail on a record of their type; on a record of another type they
/// return an empty result.
/// </summary>
public readonly ref struct DnsRecord
{
    private readonly ReadOnlySpan<byte> _message;
    private readonly int _nameOffset;
    private readonly int _dataOffset;
    private readonly int _dataLength;
    private readonly uint _timeToLive;

    internal DnsRecord(ReadOnlySpan<byte> message, int nameOffset, DnsRecordType type, ushort @class, uint timeToLive, int dataOffset, int dataLength)
    {
        _message = message;
        _nameOffset = nameOffset;
        Type = type;
        Class = @class;
        _timeToLive = timeToLive;
        _dataOffset = dataOffset;
        _dataLength = dataLength;
    }

    /// <summary>The owner name.</summary>
    public DnsName Name => new(_message, _nameOffset);

    /// <summary>The record's type.</summary>
    public DnsRecordType Type { get; }

    /// <summary>The record's class: 1 for the Internet; an OPT record's requestor payload size (RFC 6891).</summary>
    public ushort Class { get; }

    /// <summary>
    /// How long the record may be cached, in seconds. RFC 2181 section 8 limits TTLs to 31 bits and says a value
    /// with the top bit set means zero, which is what this returns for one: a server cannot make a learned route
    /// last for a century. An OPT record's field holds flags instead (see <see cref="DnsMessage.EdnsVersion"/>).
    /// </summary>
    public uint TimeToLive => _timeToLive > int.MaxValue ? 0 : _timeToLive;

    /// <summary>The record data (RDATA). Names inside it may be compressed, pointing elsewhere in the message.</summary>
    public ReadOnlySpan<byte> Data => _message.Slice(_dataOffset, _dataLength);

    /// <summary>
    /// The target of a CNAME record (RFC 1035 section 3.3.1); for any other type a <see langword="default"/> name,
    /// which reads as the root.
    /// </summary>
    public DnsName CnameTarget => Type == DnsRecordType.CNAME ? new(_message, _dataOffset) : default;

    /// <summary>
    /// The SvcPriority of an SVCB or HTTPS record (RFC 9460 section 2.2): 0 means AliasMode (the record only
    /// names another name to query, <see cref="SvcTargetName"/>), anything else ServiceMode. 0 for other types.
    /// </summary>
    public ushort SvcPriority => IsServiceBinding ? DnsWire.ReadUInt16(_message, _dataOffset) : (ushort)0;

    /// <summary>
    /// The TargetName of an SVCB or HTTPS record, as written. In ServiceMode the root (<c>"."</c>) stands for the
    /// record's owner name; in AliasMode it means the service does not exist (RFC 9460 section 2.5). A
    /// <see langword="default"/> name (the root) for other types.
    /// </summary>
    public DnsName SvcTargetName => IsServiceBinding ? new(_message, _dataOffset + 2) : default;

    /// <summary>
    /// The addresses of an SVCB or HTTPS record's ipv4hint (4 bytes each) and ipv6hint (16 bytes each) parameters,
    /// in that order. Empty in AliasMode, whose parameters RFC 9460 section 2.4.2 says to ignore, and for other types.
    /// </summary>
    public DnsAddressHintEnumerator SvcAddressHints
    {
        get
        {
            if (!IsServiceBinding || SvcPriority == 0)
            {
                return default;
            }

            ReadOnlySpan<byte> data = Data;
            int parameters = 2 + DnsWire.InPlaceLength(data, 2);
            return new DnsAddressHintEnumerator(data[parameters..]);
        }
    }

    private bool IsServiceBinding => Type is DnsRecordType.SVCB or DnsRecordType.HTTPS;

    /// <summary>Copies the address of an A (4 bytes) or AAAA (16 bytes) record of class IN.</summary>
    /// <param name="destination">Where to copy it; 16 bytes always suffice.</param>
    /// <param name="written">The address's length, 4 or 16, or 0 when the method returns <see langword="false"/>.</param>
    /// <returns>Whether the record is an Internet A or AAAA record and <paramref name="destination"/> is large enough.</returns>
    public bool TryGetAddress(Span<byte> destination, out int written)
    {
        ReadOnlySpan<byte> address = Address;
        if (address.IsEmpty || !address.TryCopyTo(destination))
        {
            written = 0;
            return false;
        }

        written = address.Length;
        return true;
    }

    /// <summary>The address of an Internet A or AAAA record; empty otherwise. Validation fixed its length.</summary>
    internal ReadOnlySpan<byte> Address =>
        Class == DnsWire.ClassInternet && Type is DnsRecordType.A or DnsRecordType.AAAA ? Data : default;
}
