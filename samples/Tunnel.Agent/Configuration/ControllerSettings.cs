namespace Tunnel.Agent.Configuration;

/// <summary>
/// The controller this device is enrolled with (<c>"controller": { "url": ..., "credentialFile": ... }</c>, written by
/// <c>tunnel-agent enroll</c>): the agent keeps one policy stream to it and applies what it pushes, and reports its
/// telemetry.
/// </summary>
/// <param name="Url">The controller's base address.</param>
/// <param name="CredentialFile">The file holding the device's credential (readable by root only), read at each connection.</param>
internal sealed record ControllerSettings(Uri Url, string CredentialFile)
{
    /// <summary>How often telemetry (last seen, version, tunnel counters) is reported.</summary>
    public TimeSpan TelemetryInterval { get; init; } = TimeSpan.FromSeconds(60);
}
