namespace Tunnel.Dns;

/// <summary>A question of a parsed <see cref="DnsMessage"/> (RFC 1035 section 4.1.2).</summary>
public readonly ref struct DnsQuestion
{
    internal DnsQuestion(DnsName name, DnsRecordType type, ushort @class)
    {
        Name = name;
        Type = type;
        Class = @class;
    }

    /// <summary>The name asked about (QNAME).</summary>
    public DnsName Name { get; }

    /// <summary>The type asked for (QTYPE).</summary>
    public DnsRecordType Type { get; }

    /// <summary>The class asked for (QCLASS): 1 for the Internet.</summary>
    public ushort Class { get; }
}
