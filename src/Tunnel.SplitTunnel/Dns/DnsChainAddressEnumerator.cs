using Tunnel.Dns.Internal;

namespace Tunnel.Dns;

/// <summary>
/// Enumerates <see cref="DnsAnswerChain.Addresses"/>: each A and AAAA record of class IN in the answer
/// section whose owner is in the chain, and each ipv4hint and ipv6hint address of such an SVCB or HTTPS record
/// in ServiceMode. Use it with <see langword="foreach"/>; it allocates nothing.
/// </summary>
/// <remarks>
/// An AliasMode record's target is not followed: the resolver that asked for it queries the target next, and
/// that answer carries the addresses.
/// </remarks>
public ref struct DnsChainAddressEnumerator
{
    private readonly DnsAnswerChain _chain;
    private DnsRecordEnumerator _records;
    private DnsAddressHintEnumerator _hints;
    private int _hintIndex;
    private uint _hintTimeToLive;
    private DnsRecordType _hintSource;
    private DnsChainAddress _current;

    internal DnsChainAddressEnumerator(DnsAnswerChain chain, DnsRecordEnumerator answers)
    {
        _chain = chain;
        _records = answers;
    }

    /// <summary>The current address.</summary>
    public readonly DnsChainAddress Current => _current;

    /// <summary>Returns this enumerator, for <see langword="foreach"/>.</summary>
    /// <returns>A copy of this enumerator.</returns>
    public readonly DnsChainAddressEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next address.</summary>
    /// <returns>Whether there is one.</returns>
    public bool MoveNext()
    {
        while (true)
        {
            if (_hints.MoveNext())
            {
                _current = new DnsChainAddress(_hints.Current, _hintTimeToLive, _hintIndex, _hintSource);
                return true;
            }

            if (!_records.MoveNext())
            {
                return false;
            }

            DnsRecord record = _records.Current;
            if (record.Class != DnsWire.ClassInternet
                || record.Type is not (DnsRecordType.A or DnsRecordType.AAAA or DnsRecordType.SVCB or DnsRecordType.HTTPS))
            {
                continue;
            }

            int index = _chain.IndexOf(record.Name);
            if (index < 0)
            {
                continue;
            }

            uint timeToLive = Math.Min(record.TimeToLive, _chain.GetPathTimeToLive(index));
            if (record.Type is DnsRecordType.A or DnsRecordType.AAAA)
            {
                _current = new DnsChainAddress(record.Address, timeToLive, index, record.Type);
                return true;
            }

            _hints = record.SvcAddressHints;
            _hintIndex = index;
            _hintTimeToLive = timeToLive;
            _hintSource = record.Type;
        }
    }
}
