using System.Diagnostics;

namespace Tunnel.Platform.Tests;

/// <summary>What a test needs from the machine: it skips with the reason where that is missing, except in CI, where it fails.</summary>
internal static class Requirements
{
    /// <summary>Linux, for the adapters that need nothing more (loopback sockets).</summary>
    public static void Linux()
    {
        if (OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.Skip("This test needs Linux.");
    }

    public static void RootAndTun()
    {
        string? missing = !OperatingSystem.IsLinux() ? "Linux"
            : Environment.UserName != "root" && !IsRoot() ? "root (CAP_NET_ADMIN)"
            : !File.Exists("/dev/net/tun") ? "/dev/net/tun"
            : null;
        if (missing is null)
        {
            return;
        }

        string reason = $"This test needs {missing}.";
        if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
        {
            Assert.Fail(reason + " CI must provide it.");
        }

        Assert.Skip(reason);
    }

    /// <summary>The path of <c>dbus-daemon</c>, for a private message bus.</summary>
    public static string DBusDaemon()
    {
        string? path = !OperatingSystem.IsLinux() ? null
            : new[] { "/usr/bin/dbus-daemon", "/bin/dbus-daemon", "/usr/local/bin/dbus-daemon" }.FirstOrDefault(File.Exists);
        if (path is not null)
        {
            return path;
        }

        string reason = "This test needs Linux and dbus-daemon (Debian package dbus-daemon).";
        if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
        {
            Assert.Fail(reason + " CI must provide it.");
        }

        Assert.Skip(reason);
        return "";
    }

    private static bool IsRoot() => File.ReadAllText("/proc/self/status").Contains("Uid:\t0\t", StringComparison.Ordinal);

    /// <summary>Runs a command and fails the test with its output when it exits non-zero.</summary>
    public static string Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error}");
        return output;
    }
}
