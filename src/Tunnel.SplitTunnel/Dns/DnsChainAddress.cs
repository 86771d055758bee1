namespace Tunnel.Dns;

/// <summary>An address an answer gives for a name of a <see cref="DnsAnswerChain"/>.</summary>
public readonly ref struct DnsChainAddress
{
    internal DnsChainAddress(ReadOnlySpan<byte> address, uint timeToLive, int chainIndex, DnsRecordType source)
    {
        Address = address;
        TimeToLive = timeToLive;
        ChainIndex = chainIndex;
        Source = source;
    }

    /// <summary>The address in network order: 4 bytes (IPv4) or 16 bytes (IPv6).</summary>
    public ReadOnlySpan<byte> Address { get; }

    /// <summary>
    /// How long, in seconds, the address may be credited to the question: the smaller of its record's TTL and
    /// every CNAME's TTL on the way to its owner (<see cref="DnsAnswerChain.GetPathTimeToLive"/>).
    /// </summary>
    public uint TimeToLive { get; }

    /// <summary>The index in the chain of the record's owner name: 0 when it is the question's name.</summary>
    public int ChainIndex { get; }

    /// <summary>The type of the record it came from: A or AAAA, or SVCB or HTTPS for an address hint.</summary>
    public DnsRecordType Source { get; }
}
