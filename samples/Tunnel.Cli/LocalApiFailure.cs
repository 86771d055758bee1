namespace Tunnel.Cli;

/// <summary>How a call to the agent's local API failed, as far as the exit code is concerned.</summary>
internal enum LocalApiFailureKind
{
    /// <summary>The agent answered with an error (HTTP 4xx other than 403, or 5xx).</summary>
    Rejected,

    /// <summary>The agent could not be reached: no socket file, or nothing listening on it.</summary>
    NotRunning,

    /// <summary>The socket's permissions or the agent's peer-credential check (HTTP 403) turned us away.</summary>
    AccessDenied,

    /// <summary>The connection broke, timed out, or the answer was not the JSON the contract promises.</summary>
    Broken,
}

/// <summary>A failed call to the agent: what kind of failure, and the one line to show on stderr.</summary>
/// <param name="Kind">How it failed.</param>
/// <param name="Message">The text after <c>tunnelctl: </c>.</param>
internal sealed record LocalApiFailure(LocalApiFailureKind Kind, string Message);
