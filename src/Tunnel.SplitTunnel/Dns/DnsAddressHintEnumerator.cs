using Tunnel.Dns.Internal;

namespace Tunnel.Dns;

/// <summary>
/// Enumerates the address hints of an SVCB or HTTPS record (<see cref="DnsRecord.SvcAddressHints"/>): each
/// ipv4hint address as 4 bytes, then each ipv6hint address as 16 bytes, in network order. Use it with
/// <see langword="foreach"/>; it allocates nothing.
/// </summary>
public ref struct DnsAddressHintEnumerator
{
    private readonly ReadOnlySpan<byte> _parameters;
    private int _position;
    private ReadOnlySpan<byte> _hints;
    private int _size;
    private ReadOnlySpan<byte> _current;

    internal DnsAddressHintEnumerator(ReadOnlySpan<byte> parameters)
    {
        _parameters = parameters;
    }

    /// <summary>The current address: 4 or 16 bytes.</summary>
    public readonly ReadOnlySpan<byte> Current => _current;

    /// <summary>Returns this enumerator, for <see langword="foreach"/>.</summary>
    /// <returns>A copy of this enumerator.</returns>
    public readonly DnsAddressHintEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next address.</summary>
    /// <returns>Whether there is one.</returns>
    public bool MoveNext()
    {
        while (_hints.Length < _size || _size == 0)
        {
            if (_position + 4 > _parameters.Length)
            {
                return false;
            }

            ushort key = DnsWire.ReadUInt16(_parameters, _position);
            int length = DnsWire.ReadUInt16(_parameters, _position + 2);
            if (key > DnsWire.Ipv6HintKey || _position + 4 + length > _parameters.Length)
            {
                // Keys ascend, so nothing past ipv6hint is a hint.
                return false;
            }

            _hints = _parameters.Slice(_position + 4, length);
            _position += 4 + length;
            _size = key switch
            {
                DnsWire.Ipv4HintKey => 4,
                DnsWire.Ipv6HintKey => 16,
                _ => 0,
            };
        }

        _current = _hints[.._size];
        _hints = _hints[_size..];
        return true;
    }
}
