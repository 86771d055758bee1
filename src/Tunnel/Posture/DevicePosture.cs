namespace Tunnel.Posture;

/// <summary>
/// What a device says about itself, as a zero-trust agent reports it to its control plane and shows in
/// <c>tunnelctl posture</c>. Every check the operating system cannot answer is <see cref="PostureCheck.Unknown"/>,
/// never guessed.
/// </summary>
/// <param name="OperatingSystem">The distribution or system name, such as <c>Debian GNU/Linux 12 (bookworm)</c>.</param>
/// <param name="OperatingSystemVersion">Its version, such as <c>12</c>.</param>
/// <param name="KernelVersion">The kernel release, such as <c>6.1.0-18-amd64</c>.</param>
/// <param name="AgentVersion">The agent's version.</param>
/// <param name="DiskEncryption">Whether the root file system is on an encrypted block device.</param>
/// <param name="Firewall">Whether a host firewall is active.</param>
/// <param name="PublicKey">The device's WireGuard public key (base64), when it has one.</param>
/// <param name="Details">How each check was answered, for the operator.</param>
public sealed record DevicePosture(
    string OperatingSystem,
    string OperatingSystemVersion,
    string KernelVersion,
    string AgentVersion,
    PostureCheck DiskEncryption,
    PostureCheck Firewall,
    string? PublicKey,
    IReadOnlyDictionary<string, string> Details);
