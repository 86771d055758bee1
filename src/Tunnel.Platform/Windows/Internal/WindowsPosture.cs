using Tunnel.Posture;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>What <see cref="WindowsDevicePostureCollector"/> makes of the tools' answers; pure, so it is tested on any OS.</summary>
internal static class WindowsPosture
{
    /// <summary>The posture from the tools' answers, each asked through <paramref name="run"/> (null when a tool failed).</summary>
    public static DevicePosture Interpret(string agentVersion, string? publicKey, Version osVersion, string systemDrive, Func<string, string[], string?> run)
    {
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        string version = $"{osVersion.Major}.{osVersion.Minor}";
        string build = osVersion.Build.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // "Protection Status:    Protection On" for the system drive.
        string? bitLocker = run("manage-bde.exe", ["-status", systemDrive]);
        string? protection = bitLocker?.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("Protection Status:", StringComparison.Ordinal));
        PostureCheck disk = protection switch
        {
            null => PostureCheck.Unknown,
            _ when protection.EndsWith("Protection On", StringComparison.Ordinal) => PostureCheck.Enabled,
            _ when protection.EndsWith("Protection Off", StringComparison.Ordinal) => PostureCheck.Disabled,
            _ => PostureCheck.Unknown,
        };
        details["disk-encryption"] = protection is null ? "manage-bde did not say" : $"manage-bde: {protection}";

        // One "State  ON|OFF" line per profile (domain, private, public): enabled only when every profile is.
        string? firewallText = run("netsh.exe", ["advfirewall", "show", "allprofiles", "state"]);
        string[] states = firewallText?.Split('\n').Select(line => line.Trim()).Where(line => line.StartsWith("State", StringComparison.Ordinal))
            .Select(line => line["State".Length..].Trim()).ToArray() ?? [];
        PostureCheck firewall = states.Length == 0 ? PostureCheck.Unknown
            : states.All(state => state == "ON") ? PostureCheck.Enabled
            : states.Any(state => state == "OFF") ? PostureCheck.Disabled
            : PostureCheck.Unknown;
        details["firewall"] = states.Length == 0 ? "netsh did not say" : $"netsh: {string.Join(", ", states)} (domain, private, public)";
        return new DevicePosture("Windows", version, build, agentVersion, disk, firewall, publicKey, details);
    }
}
