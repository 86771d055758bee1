using System.CommandLine;

namespace Tunnel.Cli;

/// <summary>The options every command takes, accepted before or after the command's name.</summary>
internal sealed class GlobalOptions
{
    /// <summary>The environment variable that overrides the default socket path.</summary>
    public const string SocketVariable = "TUNNEL_AGENT_SOCKET";

    /// <summary>Creates the options, reading the socket's default from <paramref name="environment"/>.</summary>
    /// <param name="environment">Looks up an environment variable; tests pass their own.</param>
    public GlobalOptions(Func<string, string?> environment)
    {
        Json = new Option<bool>("--json")
        {
            Description = "Print the agent's JSON (indented; one object per line for watch) instead of tables.",
            Recursive = true,
        };
        Socket = new Option<string>("--socket")
        {
            Description = $"The agent's UNIX socket; ${SocketVariable} changes the default.",
            HelpName = "PATH",
            Recursive = true,
            DefaultValueFactory = _ => environment(SocketVariable) is { Length: > 0 } path ? path : LocalApiClient.DefaultSocketPath,
        };
    }

    /// <summary><c>--json</c>.</summary>
    public Option<bool> Json { get; }

    /// <summary><c>--socket PATH</c>.</summary>
    public Option<string> Socket { get; }
}
