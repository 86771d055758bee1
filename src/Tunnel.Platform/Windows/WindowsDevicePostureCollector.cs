using System.Runtime.Versioning;
using Tunnel.Platform.Internal;
using Tunnel.Platform.Windows.Internal;
using Tunnel.Posture;

namespace Tunnel.Platform.Windows;

/// <summary>
/// Collects a Windows device's <see cref="DevicePosture"/>: the version and build from the OS, BitLocker on the
/// system drive from <c>manage-bde -status</c>, and Windows Defender Firewall from
/// <c>netsh advfirewall show allprofiles state</c> (enabled only when every profile is). What the tools do not say,
/// or say in another language than English, is <see cref="PostureCheck.Unknown"/>; nothing is changed.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class WindowsDevicePostureCollector
{
    private readonly string _systemDrive;

    /// <summary>Creates a collector for the drive Windows runs from (<c>%SystemDrive%</c>), or another.</summary>
    /// <param name="systemDrive">The drive whose BitLocker protection counts, such as <c>C:</c>; null for the system drive.</param>
    public WindowsDevicePostureCollector(string? systemDrive = null) =>
        _systemDrive = systemDrive ?? Environment.GetEnvironmentVariable("SystemDrive") ?? "C:";

    /// <summary>Collects the posture.</summary>
    /// <param name="agentVersion">The agent's version.</param>
    /// <param name="publicKey">The device's WireGuard public key, if any.</param>
    /// <returns>The posture.</returns>
    public DevicePosture Collect(string agentVersion, string? publicKey) =>
        WindowsPosture.Interpret(agentVersion, publicKey, Environment.OSVersion.Version, _systemDrive, Run);

    private static string? Run(string program, string[] arguments) => SystemTool.TryRun(Path.Combine(Environment.SystemDirectory, program), arguments, TimeSpan.FromSeconds(10));
}
