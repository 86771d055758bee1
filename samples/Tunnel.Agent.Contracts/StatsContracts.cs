namespace Tunnel.LocalApi;

/// <summary><c>GET /v1/stats</c>: every counter the agent keeps, grouped by part.</summary>
internal sealed record StatsResponse(TunnelStats? Tunnel, RouterStats? Routes, DnsStats? Dns, ProcessStats Process, ApiStats? Api = null);

/// <summary>The local API's socket: connections open now, the limit, and how many were refused over it.</summary>
internal sealed record ApiStats(long ActiveConnections, int ConnectionLimit, long RejectedConnections);

/// <summary>The WireGuard device's totals since connect.</summary>
internal sealed record TunnelStats(long DatagramsSent, long BytesSent, long DatagramsReceived, long BytesReceived, long TunnelPacketsRead, long TunnelPacketsWritten, long Handshakes, IReadOnlyDictionary<string, long> Drops);

/// <summary>The split-tunnel router's counters.</summary>
internal sealed record RouterStats(long ResponsesInspected, long ResponsesMatched, long AddressesLearned, long AddressesExpired, int LearnedAddresses, int LearnedNames, long ApplyFailures, long DroppedOverLimits);

/// <summary>The DNS forwarder's counters.</summary>
internal sealed record DnsStats(long UdpQueries, long TcpQueries, long Forwarded, long ForwardedToFallbackDomains, long UpstreamFailures, long ServerFailures, long CanaryAnswers, long MalformedQueries, long DroppedQueries, long RoutesLearned);

/// <summary>The agent process.</summary>
internal sealed record ProcessStats(double UptimeSeconds, long WorkingSetBytes, long AllocatedBytes, int Gen0Collections, int Gen1Collections, int Gen2Collections);
