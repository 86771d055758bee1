using Tunnel.Dns.Internal;

namespace Tunnel.Dns;

/// <summary>
/// Enumerates the records of one section of a parsed <see cref="DnsMessage"/>, in message order. Use it with
/// <see langword="foreach"/>; it allocates nothing. A <see langword="default"/> enumerator is empty.
/// </summary>
public ref struct DnsRecordEnumerator
{
    private readonly ReadOnlySpan<byte> _message;
    private int _position;
    private int _remaining;
    private DnsRecord _current;

    internal DnsRecordEnumerator(ReadOnlySpan<byte> message, int offset, int count)
    {
        _message = message;
        _position = offset;
        _remaining = count;
    }

    /// <summary>The current record.</summary>
    public readonly DnsRecord Current => _current;

    /// <summary>Returns this enumerator, for <see langword="foreach"/>.</summary>
    /// <returns>A copy of this enumerator.</returns>
    public readonly DnsRecordEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next record.</summary>
    /// <returns>Whether there is one.</returns>
    public bool MoveNext()
    {
        if (_remaining <= 0)
        {
            return false;
        }

        // The message was validated, so these checks only keep a misused enumerator within bounds.
        int fixedFields = _position + DnsWire.InPlaceLength(_message, _position);
        int dataOffset = fixedFields + DnsWire.RecordFixedSize;
        if (dataOffset > _message.Length)
        {
            _remaining = 0;
            return false;
        }

        int dataLength = DnsWire.ReadUInt16(_message, fixedFields + 8);
        if (dataOffset + dataLength > _message.Length)
        {
            _remaining = 0;
            return false;
        }

        _current = new DnsRecord(
            _message,
            _position,
            (DnsRecordType)DnsWire.ReadUInt16(_message, fixedFields),
            DnsWire.ReadUInt16(_message, fixedFields + 2),
            DnsWire.ReadUInt32(_message, fixedFields + 4),
            dataOffset,
            dataLength);
        _position = dataOffset + dataLength;
        _remaining--;
        return true;
    }
}
