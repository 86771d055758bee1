namespace Tunnel.LocalApi;

/// <summary>The agent's connection states, as <see cref="StatusResponse.State"/> spells them.</summary>
internal static class ConnectionStates
{
    public const string Disconnected = "disconnected";
    public const string Connecting = "connecting";
    public const string Connected = "connected";
    public const string Disconnecting = "disconnecting";

    /// <summary>The tunnel's engine died: traffic meant for the tunnel is blocked while the agent reconnects with backoff.</summary>
    public const string Reconnecting = "reconnecting";

    /// <summary>Connected in <c>posture-only</c> mode: posture is reported, nothing else is touched.</summary>
    public const string PostureOnly = "posture-only";
}

/// <summary><c>GET /v1/status</c>, and the answer to <c>connect</c>, <c>disconnect</c> and <c>mode</c>.</summary>
internal sealed record StatusResponse
{
    public required string State { get; init; }
    public required string Mode { get; init; }
    public required string Interface { get; init; }
    public string? PublicKey { get; init; }
    public string? Gateway { get; init; }
    public DateTimeOffset? ConnectedSince { get; init; }

    /// <summary>Seconds since the last handshake with the gateway; null before the first.</summary>
    public double? HandshakeAgeSeconds { get; init; }
    public long BytesReceived { get; init; }
    public long BytesSent { get; init; }
    public long Drops { get; init; }
    public int LearnedRoutes { get; init; }
    public string? DnsListen { get; init; }
    public long DnsQueries { get; init; }
    public string? ResolverBackend { get; init; }
    public string? LastError { get; init; }
    public required string Version { get; init; }
}

/// <summary><c>GET /v1/health</c>: 200 when healthy, 503 with the reasons otherwise.</summary>
internal sealed record HealthResponse(bool Healthy, IReadOnlyList<string> Problems);

/// <summary>Every non-2xx answer carries one.</summary>
internal sealed record ErrorResponse(string Error);
