namespace Tunnel.Cli;

/// <summary>
/// The exit codes of <c>tunnelctl</c>, one per kind of outcome so scripts can tell "the agent said no" from
/// "the agent is not there" without reading messages.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The request succeeded.</summary>
    public const int Success = 0;

    /// <summary>The agent refused or failed the request (HTTP 4xx other than 403, 5xx), or its answer was unreadable.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong; nothing was sent to the agent.</summary>
    public const int Usage = 2;

    /// <summary>The agent is not running: no socket, or nothing listening on it.</summary>
    public const int NotRunning = 3;

    /// <summary>The agent accepts only root and members of its group (HTTP 403, or the socket's permissions).</summary>
    public const int AccessDenied = 4;

    /// <summary>Ctrl+C (SIGINT) or SIGTERM arrived before the agent answered; <c>watch</c> exits 0 instead.</summary>
    public const int Interrupted = 130;

    /// <summary>The table printed at the end of <c>tunnelctl --help</c>.</summary>
    public const string HelpText = """
        Exit codes:
          0    success
          1    the agent refused or failed the request
          2    usage error; nothing was sent
          3    the agent is not running
          4    access denied: only root and the agent's group may use it
          130  interrupted before the agent answered (watch exits 0)
        """;

    /// <summary>The exit code for a failed call to the agent.</summary>
    /// <param name="kind">How the call failed.</param>
    public static int For(LocalApiFailureKind kind) => kind switch
    {
        LocalApiFailureKind.NotRunning => NotRunning,
        LocalApiFailureKind.AccessDenied => AccessDenied,
        _ => Failed,
    };
}
