using Tunnel.Posture;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>What <see cref="DarwinDevicePostureCollector"/> makes of the tools' answers; pure, so it is tested on any OS.</summary>
internal static class DarwinPosture
{
    /// <summary>The posture from the tools' answers, each asked through <paramref name="run"/> (null when a tool failed).</summary>
    internal static DevicePosture Interpret(string agentVersion, string? publicKey, Func<string, string[], string?> run)
    {
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        string name = run("/usr/bin/sw_vers", ["-productName"])?.Trim() is { Length: > 0 } product ? product : "macOS";
        string version = run("/usr/bin/sw_vers", ["-productVersion"])?.Trim() ?? string.Empty;
        string kernel = run("/usr/bin/uname", ["-r"])?.Trim() ?? string.Empty;

        string? fileVault = run("/usr/bin/fdesetup", ["status"])?.Trim();
        PostureCheck disk = fileVault switch
        {
            null => PostureCheck.Unknown,
            _ when fileVault.StartsWith("FileVault is On", StringComparison.Ordinal) => PostureCheck.Enabled,
            _ when fileVault.StartsWith("FileVault is Off", StringComparison.Ordinal) => PostureCheck.Disabled,
            _ => PostureCheck.Unknown,
        };
        details["disk-encryption"] = fileVault is null ? "fdesetup did not answer" : $"fdesetup: {fileVault.Split('\n')[0]}";

        string? firewallState = run("/usr/libexec/ApplicationFirewall/socketfilterfw", ["--getglobalstate"])?.Trim();
        PostureCheck firewall = firewallState switch
        {
            null => PostureCheck.Unknown,
            _ when firewallState.Contains("enabled", StringComparison.OrdinalIgnoreCase) || firewallState.Contains("State = 1", StringComparison.Ordinal) || firewallState.Contains("State = 2", StringComparison.Ordinal) => PostureCheck.Enabled,
            _ when firewallState.Contains("disabled", StringComparison.OrdinalIgnoreCase) || firewallState.Contains("State = 0", StringComparison.Ordinal) => PostureCheck.Disabled,
            _ => PostureCheck.Unknown,
        };
        details["firewall"] = firewallState is null ? "socketfilterfw did not answer" : $"socketfilterfw: {firewallState.Split('\n')[0]}";
        return new DevicePosture(name, version, kernel, agentVersion, disk, firewall, publicKey, details);
    }
}
