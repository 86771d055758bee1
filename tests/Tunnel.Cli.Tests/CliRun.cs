namespace Tunnel.Cli.Tests;

/// <summary>One run of tunnelctl in-process: its exit code and what it printed.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Runs tunnelctl with <paramref name="args"/> against the socket of <paramref name="agent"/> (if any).</summary>
    public static Task<CliRun> AgainstAsync(FakeAgent agent, params string[] args) =>
        RunAsync([.. args, "--socket", agent.SocketPath]);

    /// <summary>Runs tunnelctl with exactly <paramref name="args"/>.</summary>
    public static Task<CliRun> RunAsync(string[] args, Func<string, string?>? environment = null) =>
        RunUntilAsync(args, environment, TestContext.Current.CancellationToken);

    /// <summary>Runs tunnelctl with exactly <paramref name="args"/> until it ends or <paramref name="cancellationToken"/> fires.</summary>
    public static async Task<CliRun> RunUntilAsync(string[] args, Func<string, string?>? environment, CancellationToken cancellationToken)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode = await TunnelCtl.InvokeAsync(args, stdout, stderr, environment ?? (_ => null), cancellationToken);
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }
}
