using System.Diagnostics;

namespace Tunnel.Platform.Internal;

/// <summary>Runs one of the system's own tools (<c>sw_vers</c>, <c>fdesetup</c>, <c>manage-bde</c>, <c>netsh</c>) and reads what it prints.</summary>
internal static class SystemTool
{
    /// <summary>What <paramref name="program"/> printed, or null when it is missing, failed or did not finish within <paramref name="timeout"/>.</summary>
    public static string? TryRun(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync(); // drained, so a chatty tool never blocks on a full pipe
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? output.GetAwaiter().GetResult() : null;
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
