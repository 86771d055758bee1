using System.CommandLine;
using System.CommandLine.Invocation;

namespace Tunnel.Cli;

/// <summary><c>tunnelctl</c> as a function: arguments and writers in, exit code out, so tests need no process.</summary>
internal static class TunnelCtl
{
    /// <summary>Runs one command line against the process environment.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="stdout">Where answers and help go.</param>
    /// <param name="stderr">Where errors go.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <returns>One of <see cref="ExitCodes"/>.</returns>
    public static Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        InvokeAsync(args, stdout, stderr, Environment.GetEnvironmentVariable, cancellationToken);

    /// <summary>Runs one command line.</summary>
    /// <param name="args">The arguments, without the program name.</param>
    /// <param name="stdout">Where answers and help go.</param>
    /// <param name="stderr">Where errors go.</param>
    /// <param name="environment">Looks up environment variables.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <returns>One of <see cref="ExitCodes"/>.</returns>
    public static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        // Whatever the agent says is printed as text: its control characters are escaped, never obeyed by the terminal.
        stdout = new Output.ControlCharacterEscapingWriter(stdout);
        stderr = new Output.ControlCharacterEscapingWriter(stderr);
        var root = CliCommands.Create(stdout, stderr, environment);
        var parse = root.Parse(args);

        // System.CommandLine exits 1 on parse errors, which scripts could not tell from the agent refusing; ours is 2.
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync($"tunnelctl: {error.Message}").ConfigureAwait(false);
            }

            await stderr.WriteLineAsync($"Run '{CommandPath(parse.CommandResult)} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // Program installs its own SIGINT/SIGTERM handlers and passes them in as the token.
            ProcessTerminationTimeout = null,
        };
        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    private static string CommandPath(System.CommandLine.Parsing.CommandResult command)
    {
        var names = new List<string>();
        for (var current = command; current is not null; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(current.Parent is null ? "tunnelctl" : current.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
