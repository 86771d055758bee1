using System.Diagnostics;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>The real <see cref="IScutil"/>: <c>scutil</c> with the script on its standard input.</summary>
internal sealed class ScutilProcess(string path) : IScutil
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public string Run(string script)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start) ?? throw new IOException($"Cannot start {path}.");
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new IOException($"{path} did not finish within {Timeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new IOException($"{path} failed with exit code {process.ExitCode}: {error.GetAwaiter().GetResult().Trim()}");
        }

        return output.GetAwaiter().GetResult();
    }
}
