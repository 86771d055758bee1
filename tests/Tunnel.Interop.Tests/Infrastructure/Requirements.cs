// The suite drives Linux namespaces, TUN devices and tools; other systems skip it at run time.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>The interop suite needs root, /dev/net/tun and the WireGuard tools: it skips with the reason where they are missing, and fails instead in CI.</summary>
internal static class Requirements
{
    private static readonly string[] Programs = ["ip", "wg", "wg-quick", "wireguard-go", "iperf3", "ping", "tcpdump"];

    public static void Check()
    {
        string? missing = !OperatingSystem.IsLinux() ? "Linux"
            : !File.ReadAllText("/proc/self/status").Contains("Uid:\t0\t", StringComparison.Ordinal) ? "root (network namespaces, TUN devices)"
            : !File.Exists("/dev/net/tun") ? "/dev/net/tun"
            : Programs.FirstOrDefault(program => !Command.Exists(program)) is { } program ? $"'{program}' (./test.sh installs it)"
            : null;
        if (missing is null)
        {
            return;
        }

        string reason = $"The interop tests need {missing}.";
        if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
        {
            Assert.Fail(reason + " CI must provide it.");
        }

        Assert.Skip(reason);
    }
}
