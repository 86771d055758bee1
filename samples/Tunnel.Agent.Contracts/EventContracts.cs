namespace Tunnel.LocalApi;

/// <summary>
/// One line of <c>GET /v1/watch</c>, a stream of JSON objects separated by newlines that stays open until the
/// client leaves. The first event is always <c>status</c>, so a watcher starts from a known state.
/// </summary>
/// <param name="Type"><c>status</c>, <c>setting</c>, <c>route-added</c>, <c>route-removed</c> or <c>error</c>.</param>
/// <param name="Message">One line for people.</param>
/// <param name="Status">The status after the event, for <c>status</c> events.</param>
/// <param name="Time">When it happened.</param>
internal sealed record AgentEvent(DateTimeOffset Time, string Type, string Message, StatusResponse? Status = null);

/// <summary><c>GET /v1/posture</c>.</summary>
/// <param name="DiskEncryption"><c>enabled</c>, <c>disabled</c> or <c>unknown</c>.</param>
/// <param name="Firewall"><c>enabled</c>, <c>disabled</c> or <c>unknown</c>.</param>
/// <param name="OperatingSystem">The distribution or system name.</param>
/// <param name="OperatingSystemVersion">Its version.</param>
/// <param name="KernelVersion">The kernel release.</param>
/// <param name="AgentVersion">The agent's version.</param>
/// <param name="PublicKey">The device's WireGuard public key, when it has one.</param>
/// <param name="Details">How each check was answered.</param>
/// <param name="CollectedAt">When the posture was collected.</param>
internal sealed record PostureResponse(string OperatingSystem, string OperatingSystemVersion, string KernelVersion, string AgentVersion, string DiskEncryption, string Firewall, string? PublicKey, IReadOnlyDictionary<string, string> Details, DateTimeOffset CollectedAt);
