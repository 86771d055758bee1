namespace Tunnel.Dns;

/// <summary>
/// The RCODE of a DNS header (RFC 1035 section 4.1.1): 4 bits. Only the codes of RFC 1035 are named;
/// the others (RFC 2136 and later) are carried as casts.
/// </summary>
public enum DnsResponseCode : byte
{
    /// <summary>No error condition.</summary>
    NoError = 0,

    /// <summary>The server could not interpret the query.</summary>
    FormatError = 1,

    /// <summary>The server could not process the query (SERVFAIL).</summary>
    ServerFailure = 2,

    /// <summary>The queried name does not exist (NXDOMAIN).</summary>
    NameError = 3,

    /// <summary>The server does not support this kind of query.</summary>
    NotImplemented = 4,

    /// <summary>The server refuses to answer, by policy.</summary>
    Refused = 5,
}
