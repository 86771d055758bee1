using System.Diagnostics;
using System.Security.Principal;

namespace Tunnel.Platform.Tests.RealOs;

/// <summary>
/// What the suite for the real OS needs: macOS as root, or Windows as an administrator with <c>wintun.dll</c>
/// beside the test assembly. Anywhere else its tests skip (Linux has its own interop suite); on the right OS
/// without the privilege they fail in CI and skip elsewhere.
/// </summary>
internal static class RealOs
{
    public static void Require()
    {
        if (!OperatingSystem.IsMacOS() && !OperatingSystem.IsWindows())
        {
            Assert.Skip("This test runs on macOS or Windows (the Linux adapters have the interop suite).");
        }

        string? missing = OperatingSystem.IsMacOS()
            ? (Environment.UserName == "root" ? null : "root (sudo)")
            : IsAdministrator() ? (File.Exists(Path.Combine(AppContext.BaseDirectory, "wintun.dll")) ? null : $"wintun.dll in {AppContext.BaseDirectory} (from https://www.wintun.net/)") : "an administrator";
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

    /// <summary>Runs a system command and returns what it printed.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    /// <summary>The system's routes as its own tool prints them, to compare before and after.</summary>
    public static string Routes() => OperatingSystem.IsMacOS() ? Run("netstat", "-rn") : Run("route", "print");

    private static bool IsAdministrator()
    {
        if (!OperatingSystem.IsWindows())
        {
            return false;
        }

        using var identity = WindowsIdentity.GetCurrent();
        return new WindowsPrincipal(identity).IsInRole(WindowsBuiltInRole.Administrator);
    }
}
