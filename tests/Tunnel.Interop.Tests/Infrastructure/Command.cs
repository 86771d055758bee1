using System.Diagnostics;

namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>Runs the system tools the tests drive (ip, wg, ping, iperf3), failing the test with their output when asked.</summary>
internal static class Command
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public bool Succeeded => ExitCode == 0;
    }

    public static Result Try(string program, IEnumerable<string> arguments, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in time.");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }

    public static string Run(string program, params string[] arguments)
    {
        Result result = Try(program, arguments);
        Assert.True(result.Succeeded, $"`{program} {string.Join(' ', arguments)}` exited with {result.ExitCode}: {result.Error}{result.Output}");
        return result.Output;
    }

    /// <summary>Whether a program is on PATH.</summary>
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(directory => File.Exists(Path.Combine(directory, program)));
}
