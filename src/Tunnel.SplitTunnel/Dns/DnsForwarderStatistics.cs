namespace Tunnel.Dns;

/// <summary>What a <see cref="DnsForwarder"/> has handled since it started.</summary>
public readonly record struct DnsForwarderStatistics
{
    /// <summary>Queries received over UDP.</summary>
    public long UdpQueries { get; init; }

    /// <summary>Queries received over TCP.</summary>
    public long TcpQueries { get; init; }

    /// <summary>Answers relayed from an upstream server.</summary>
    public long Forwarded { get; init; }

    /// <summary>Of those, answers sent to a per-domain server.</summary>
    public long ForwardedToFallbackDomains { get; init; }

    /// <summary>Upstream servers that did not answer in time or failed (the next one was tried).</summary>
    public long UpstreamFailures { get; init; }

    /// <summary>Queries answered SERVFAIL because no upstream answered.</summary>
    public long ServerFailures { get; init; }

    /// <summary>Queries for <c>use-application-dns.net</c> answered NXDOMAIN.</summary>
    public long CanaryAnswers { get; init; }

    /// <summary>Queries that were not DNS queries, dropped.</summary>
    public long MalformedQueries { get; init; }

    /// <summary>Queries dropped (UDP) or refused with SERVFAIL (TCP) because <see cref="DnsForwarderOptions.MaxConcurrentQueries"/> were in flight, or the client's <see cref="DnsForwarderOptions.MaxQueriesPerClient"/>.</summary>
    public long DroppedQueries { get; init; }

    /// <summary>Queries and connections from other machines, dropped (see <see cref="DnsForwarderOptions.AcceptRemoteClients"/>).</summary>
    public long RemoteClientsRefused { get; init; }

    /// <summary>TCP connections closed at once because <see cref="DnsForwarderOptions.MaxTcpConnections"/> or <see cref="DnsForwarderOptions.MaxTcpConnectionsPerClient"/> were open.</summary>
    public long TcpConnectionsRejected { get; init; }

    /// <summary>TCP connections closed because a query did not arrive whole, or an answer could not be written, in time.</summary>
    public long TcpTimeouts { get; init; }

    /// <summary>Answers withheld and replaced by SERVFAIL because their routes could not be learned (fail closed).</summary>
    public long AnswersWithheld { get; init; }

    /// <summary>Routes added by answers before they were released.</summary>
    public long RoutesLearned { get; init; }
}
