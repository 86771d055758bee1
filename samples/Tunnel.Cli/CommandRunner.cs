using System.CommandLine;
using Tunnel.Cli.Output;

namespace Tunnel.Cli;

/// <summary>
/// What every command does around its one call to the agent: open the client on <c>--socket</c>, print the answer
/// as <c>--json</c> or for people, and turn a failure into its message and exit code.
/// </summary>
/// <param name="stdout">Where answers go.</param>
/// <param name="stderr">Where failures go.</param>
/// <param name="options">The global options, read from each parse result.</param>
internal sealed class CommandRunner(TextWriter stdout, TextWriter stderr, GlobalOptions options)
{
    /// <summary>Where answers go.</summary>
    public TextWriter Stdout { get; } = stdout;

    /// <summary>Calls the agent and prints its answer.</summary>
    /// <typeparam name="T">The answer's contract type.</typeparam>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="call">The one request.</param>
    /// <param name="human">Prints the answer for people; gets null for an answer without a body.</param>
    /// <param name="json">Prints the answer for <c>--json</c>; by default the agent's JSON, indented.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    public async Task<int> RunAsync<T>(
        ParseResult parse,
        Func<LocalApiClient, CancellationToken, Task<LocalApiResult<T>>> call,
        Action<TextWriter, T?> human,
        Action<TextWriter, string>? json,
        CancellationToken cancellationToken)
    {
        using var client = new LocalApiClient(parse.GetValue(options.Socket)!);
        LocalApiResult<T> result;
        try
        {
            result = await call(client, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }

        if (!result.Succeeded)
        {
            return Fail(result.Failure);
        }

        if (!parse.GetValue(options.Json))
        {
            human(Stdout, result.Value);
        }
        else if (result.Json is { } body)
        {
            (json ?? JsonOutput.WriteIndented)(Stdout, body);
        }

        return ExitCodes.Success;
    }

    /// <summary>Follows the agent's event stream until it ends or Ctrl+C.</summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="cancellationToken">Ctrl+C, which ends the watch successfully.</param>
    public async Task<int> WatchAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        bool asJson = parse.GetValue(options.Json);
        using var client = new LocalApiClient(parse.GetValue(options.Socket)!);
        try
        {
            var failure = await client.WatchAsync(
                (line, agentEvent) =>
                {
                    if (asJson)
                    {
                        JsonOutput.WriteLine(Stdout, line);
                    }
                    else
                    {
                        EventFormatter.Write(Stdout, agentEvent);
                    }

                    // Piped output is block-buffered; a watcher wants each event when it happens.
                    Stdout.Flush();
                },
                cancellationToken).ConfigureAwait(false);
            return failure is null ? ExitCodes.Success : Fail(failure);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
    }

    private int Fail(LocalApiFailure failure)
    {
        stderr.WriteLine($"tunnelctl: {failure.Message}");
        return ExitCodes.For(failure.Kind);
    }
}
