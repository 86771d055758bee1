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

    /// <summary>Queries dropped because <see cref="DnsForwarderOptions.MaxConcurrentQueries"/> were in flight.</summary>
    public long DroppedQueries { get; init; }

    /// <summary>Routes added by answers before they were released.</summary>
    public long RoutesLearned { get; init; }
}
