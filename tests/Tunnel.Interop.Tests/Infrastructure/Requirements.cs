// The suite drives Linux namespaces, TUN devices and tools; other systems skip it at run time.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>The interop suite needs root, /dev/net/tun and the WireGuard tools: it skips with the reason where they are missing, and fails instead in CI.</summary>
internal static class Requirements
{
    private static readonly string[] Programs = ["ip", "wg", "wg-quick", "wireguard-go", "iperf3", "ping", "tcpdump"];

    /// <summary>Also needs <paramref name="program"/>, from the Debian package <paramref name="package"/>: skips without it, fails in CI.</summary>
    public static void CheckProgram(string program, string package)
    {
        Check();
        if (!Command.Exists(program))
        {
            Missing($"'{program}' (Debian package {package}; ./test.sh installs it)");
        }
    }

    public static void Check()
    {
        string? missing = !OperatingSystem.IsLinux() ? "Linux"
            : !File.ReadAllText("/proc/self/status").Contains("Uid:\t0\t", StringComparison.Ordinal) ? "root (network namespaces, TUN devices)"
            : !File.Exists("/dev/net/tun") ? "/dev/net/tun"
            : Programs.FirstOrDefault(program => !Command.Exists(program)) is { } program ? $"'{program}' (./test.sh installs it)"
            : null;
        if (missing is not null)
        {
            Missing(missing);
        }
    }

    private static void Missing(string missing)
    {
        string reason = $"The interop tests need {missing}.";
        if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
        {
            Assert.Fail(reason + " CI must provide it.");
        }

        Assert.Skip(reason);
    }
}
