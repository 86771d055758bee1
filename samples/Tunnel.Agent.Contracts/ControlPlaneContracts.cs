namespace Tunnel.ControlPlane;

// The control plane's wire format, in snake_case JSON: what tunnel-controller answers and tunnel-agent sends and reads.

/// <summary>
/// <c>POST /agent/v1/enrol</c>: an agent's enrolment token, its WireGuard public key and the device's facts (from its
/// posture collector).
/// </summary>
internal sealed record EnrolmentRequest(
    string? Token,
    string? PublicKey,
    string? Name,
    string? DeviceType,
    string? Model,
    string? OsVersion,
    string? SerialNumber,
    string? MacAddress,
    string? Version);

/// <summary>The gateway as a peer of the device.</summary>
internal sealed record GatewayPeer(string PublicKey, string? Endpoint, IReadOnlyList<string> AllowedIps, int PersistentKeepalive);

/// <summary>
/// What an enrolled agent needs: its device id and credential (shown once; the agent's policy stream and reports present
/// it), its tunnel address and DNS, and the gateway as its peer.
/// </summary>
internal sealed record EnrolmentResponse(Guid DeviceId, string DeviceCredential, string Address, IReadOnlyList<string> Dns, GatewayPeer? Gateway);

/// <summary>One split-tunnel entry of a snapshot.</summary>
internal sealed record SnapshotEntry(string? Address, string? Host, string Description);

/// <summary>One fallback domain of a snapshot.</summary>
internal sealed record SnapshotFallbackDomain(string Suffix, IReadOnlyList<string> DnsServer);

/// <summary>The policy a device is to apply, whole: the profile that matched it and what it sets.</summary>
/// <param name="Version">The account's policy version: what a stream resumes from.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="ProfileId">The profile that applies.</param>
/// <param name="ProfileName">Its name.</param>
/// <param name="Mode"><c>exclude</c> or <c>include</c> (the tunnel, by which list is used: include when its list is not empty) or <c>posture-only</c>.</param>
/// <param name="AllowLocalChanges">Whether the device's local changes beat this policy.</param>
/// <param name="Include">The include list.</param>
/// <param name="Exclude">The exclude list.</param>
/// <param name="FallbackDomains">Names that go to their own DNS servers.</param>
internal sealed record PolicySnapshot(
    long Version,
    Guid DeviceId,
    Guid ProfileId,
    string ProfileName,
    string Mode,
    bool AllowLocalChanges,
    IReadOnlyList<SnapshotEntry> Include,
    IReadOnlyList<SnapshotEntry> Exclude,
    IReadOnlyList<SnapshotFallbackDomain> FallbackDomains);

/// <summary><c>POST /agent/v1/telemetry</c>: the agent's version and its tunnel's statistics.</summary>
internal sealed record TelemetryReport(string? Version, long? RxBytes, long? TxBytes, DateTimeOffset? LastHandshake);

/// <summary>One error of a controller's answer.</summary>
internal sealed record ControlPlaneMessage(int Code, string Message);

/// <summary>A controller's answer, as the agent reads it: success, errors, and the result.</summary>
internal sealed record ControlPlaneAnswer<T>(bool Success, IReadOnlyList<ControlPlaneMessage> Errors, T? Result);

/// <summary>The control plane's JSON as the agent reads and writes it (snake_case, as the controller does).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(EnrolmentRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ControlPlaneAnswer<EnrolmentResponse>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ControlPlaneAnswer<PolicySnapshot>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(PolicySnapshot))]
[System.Text.Json.Serialization.JsonSerializable(typeof(TelemetryReport))]
internal sealed partial class ControlPlaneJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
