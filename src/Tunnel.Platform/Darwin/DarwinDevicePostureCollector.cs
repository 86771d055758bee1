using System.Runtime.Versioning;
using Tunnel.Platform.Internal;
using Tunnel.Platform.Darwin.Internal;
using Tunnel.Posture;

namespace Tunnel.Platform.Darwin;

/// <summary>
/// Collects a Mac's <see cref="DevicePosture"/> from what the system's own tools print: the product name and version
/// from <c>sw_vers</c>, the kernel from <c>uname -r</c>, FileVault from <c>fdesetup status</c>, and the application
/// firewall from <c>socketfilterfw --getglobalstate</c>. A tool that is missing or says something else makes its
/// check <see cref="PostureCheck.Unknown"/>; nothing is changed.
/// </summary>
[SupportedOSPlatform("macos")]
public sealed class DarwinDevicePostureCollector
{
    private readonly Func<string, string[], string?> _run;

    /// <summary>Creates a collector that runs the system's tools.</summary>
    public DarwinDevicePostureCollector()
        : this(Run)
    {
    }

    /// <summary>Creates a collector over another way of running the tools (for tests): the program and its arguments in, what it printed out, or null when it failed.</summary>
    /// <param name="run">Runs a tool.</param>
    internal DarwinDevicePostureCollector(Func<string, string[], string?> run) => _run = run;

    /// <summary>Collects the posture.</summary>
    /// <param name="agentVersion">The agent's version.</param>
    /// <param name="publicKey">The device's WireGuard public key, if any.</param>
    /// <returns>The posture.</returns>
    public DevicePosture Collect(string agentVersion, string? publicKey) => DarwinPosture.Interpret(agentVersion, publicKey, _run);

    private static string? Run(string program, string[] arguments) => SystemTool.TryRun(program, arguments, TimeSpan.FromSeconds(5));
}
