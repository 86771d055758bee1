namespace Tunnel.Dns;

/// <summary>
/// The TYPE of a resource record or the QTYPE of a question (RFC 1035 section 3.2.2, IANA "Resource Record
/// (RR) TYPEs"). Only the types the router reads are named; any other 16-bit value is carried as a cast.
/// </summary>
public enum DnsRecordType : ushort
{
    /// <summary>An IPv4 host address (RFC 1035): 4 bytes of data.</summary>
    A = 1,

    /// <summary>An authoritative name server (RFC 1035).</summary>
    NS = 2,

    /// <summary>The canonical name for an alias (RFC 1035): the data is one domain name.</summary>
    CNAME = 5,

    /// <summary>The start of a zone of authority (RFC 1035); negative answers carry it in the authority section.</summary>
    SOA = 6,

    /// <summary>A domain name pointer (RFC 1035).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The registry's mnemonic, not a pointer type.")]
    PTR = 12,

    /// <summary>Mail exchange (RFC 1035).</summary>
    MX = 15,

    /// <summary>Text strings (RFC 1035).</summary>
    TXT = 16,

    /// <summary>An IPv6 host address (RFC 3596): 16 bytes of data.</summary>
    AAAA = 28,

    /// <summary>Server selection (RFC 2782).</summary>
    SRV = 33,

    /// <summary>The EDNS(0) pseudo-record (RFC 6891), only ever in the additional section.</summary>
    OPT = 41,

    /// <summary>General-purpose service binding (RFC 9460), which may carry address hints.</summary>
    SVCB = 64,

    /// <summary>Service binding for HTTPS origins (RFC 9460), which may carry address hints.</summary>
    HTTPS = 65,
}
