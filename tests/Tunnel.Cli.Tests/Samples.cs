namespace Tunnel.Cli.Tests;

/// <summary>Answers as the agent would send them (camelCase, nulls left out).</summary>
internal static class Samples
{
    public const string Status = """
        {"state":"connected","mode":"exclude","interface":"tun0","publicKey":"hTwWAv1S0gXtcx1HBPqwzEAPBu7T5ez5QSBpqLGNkm0=","gateway":"192.0.2.1:51820","connectedSince":"2025-03-01T08:00:00+00:00","handshakeAgeSeconds":12.4,"bytesReceived":1258291,"bytesSent":348160,"drops":2,"learnedRoutes":3,"dnsListen":"127.0.0.53:53","dnsQueries":42,"resolverBackend":"systemd-resolved","version":"0.1.0"}
        """;

    public const string Disconnected = """
        {"state":"disconnected","mode":"include","interface":"tun0","bytesReceived":0,"bytesSent":0,"drops":0,"learnedRoutes":0,"dnsQueries":0,"version":"0.1.0"}
        """;

    public const string SplitTunnel = """
        [{"entry":"10.0.0.0/8","kind":"ip","description":"LAN"},{"entry":"*.example.com","kind":"host","description":"Intranet"},{"entry":"2001:db8::/32","kind":"ip"}]
        """;

    public const string FallbackDomains = """
        [{"suffix":"corp.example.com","servers":["10.0.0.53","10.0.0.54:53"]}]
        """;

    public const string Settings = """
        [{"name":"mode","value":"exclude","source":"config-file","live":true},{"name":"dns.listen","value":"127.0.0.53:53","source":"default","live":false}]
        """;

    public const string Routes = """
        [{"address":"203.0.113.7","decision":"tunnel","names":[{"name":"api.example.com","rule":"*.example.com","expiresInSeconds":250}],"expiresInSeconds":250,"lastActivitySecondsAgo":3,"shadowed":false},
         {"address":"2001:db8::7","decision":"direct","names":[{"name":"cdn.example.net","rule":"example.net","expiresInSeconds":3700},{"name":"static.example.net","rule":"example.net","expiresInSeconds":40}],"expiresInSeconds":3700,"shadowed":true}]
        """;

    public const string Explain = """
        {"target":"api.example.com","decision":"tunnel","source":"domain","rule":"*.example.com","description":"Intranet","mode":"exclude","learnedFrom":[],"reason":"api.example.com matches *.example.com, which is excluded from the direct path."}
        """;

    public const string Stats = """
        {"tunnel":{"datagramsSent":10,"bytesSent":2048,"datagramsReceived":12,"bytesReceived":4096,"tunnelPacketsRead":10,"tunnelPacketsWritten":12,"handshakes":1,"drops":{"replay":1}},"routes":null,"dns":{"udpQueries":40,"tcpQueries":2,"forwarded":42,"forwardedToFallbackDomains":5,"upstreamFailures":0,"serverFailures":0,"canaryAnswers":1,"malformedQueries":0,"droppedQueries":0,"routesLearned":3},"process":{"uptimeSeconds":3725,"workingSetBytes":31457280,"allocatedBytes":1048576,"gen0Collections":4,"gen1Collections":1,"gen2Collections":0},"api":{"activeConnections":1,"connectionLimit":64,"rejectedConnections":3}}
        """;

    public const string Posture = """
        {"operatingSystem":"Debian GNU/Linux","operatingSystemVersion":"13","kernelVersion":"6.12.0","agentVersion":"0.1.0","diskEncryption":"enabled","firewall":"unknown","details":{"firewall":"nft not found","diskEncryption":"dm-crypt on /"},"collectedAt":"2025-03-01T08:00:00+00:00"}
        """;

    public static readonly string[] Events =
    [
        """{"time":"2025-03-01T08:00:00+00:00","type":"status","message":"connected in exclude mode","status":{"state":"connected","mode":"exclude","interface":"tun0","bytesReceived":0,"bytesSent":0,"drops":0,"learnedRoutes":0,"dnsQueries":0,"version":"0.1.0"}}""",
        """{"time":"2025-03-01T08:00:05+00:00","type":"route-added","message":"203.0.113.7 via tunnel (api.example.com)"}""",
        """{"time":"2025-03-01T08:00:09+00:00","type":"setting","message":"mode changed to include"}""",
    ];
}
