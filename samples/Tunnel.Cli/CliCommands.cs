using System.CommandLine;
using System.Text.Json.Serialization.Metadata;
using Tunnel.Cli.Output;
using Tunnel.LocalApi;

namespace Tunnel.Cli;

/// <summary>
/// The command tree of <c>tunnelctl</c>: one command per local API call, each a thin wrapper that builds the
/// request and picks the formatter. Built per invocation so the writers and environment can be a test's.
/// </summary>
internal sealed partial class CliCommands
{
    private static readonly string[] s_modes = ["exclude", "include", "posture-only"];

    private readonly CommandRunner _runner;
    private readonly GlobalOptions _options;

    private CliCommands(CommandRunner runner, GlobalOptions options)
    {
        _runner = runner;
        _options = options;
    }

    /// <summary>Builds the root command with every subcommand.</summary>
    /// <param name="stdout">Where answers go.</param>
    /// <param name="stderr">Where failures go.</param>
    /// <param name="environment">Looks up environment variables (the socket's default).</param>
    public static RootCommand Create(TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        var options = new GlobalOptions(environment);
        var commands = new CliCommands(new CommandRunner(stdout, stderr, options), options);
        var root = new RootCommand($"""
            Controls tunnel-agent through its local API (JSON over HTTP on a UNIX socket).

            {ExitCodes.HelpText}
            """);
        root.Options.Add(options.Json);
        root.Options.Add(options.Socket);
        root.Subcommands.Add(commands.Status());
        root.Subcommands.Add(commands.Connect());
        root.Subcommands.Add(commands.Disconnect());
        root.Subcommands.Add(commands.Mode());
        root.Subcommands.Add(commands.SplitTunnel());
        root.Subcommands.Add(commands.Dns());
        root.Subcommands.Add(commands.Settings());
        root.Subcommands.Add(commands.Routes());
        root.Subcommands.Add(commands.Explain());
        root.Subcommands.Add(commands.Stats());
        root.Subcommands.Add(commands.Watch());
        root.Subcommands.Add(commands.Posture());
        return root;
    }

    private Command Status() => Get("status", "Show the connection state, gateway, handshake, transfer and DNS.", LocalApiPaths.Status, LocalApiJsonContext.Default.StatusResponse, StatusFormatter.Write);

    private Command Connect() => PostAction("connect", "Bring the tunnel up, then show the status.", LocalApiPaths.Connect);

    private Command Disconnect() => PostAction("disconnect", "Take the tunnel down, then show the status.", LocalApiPaths.Disconnect);

    private Command Mode()
    {
        var mode = new Argument<string>("mode") { Description = "exclude: the tunnel carries all but the split-tunnel entries; include: only them; posture-only: report posture and touch nothing." };
        mode.AcceptOnlyFromAmong(s_modes);
        var command = new Command("mode", "Change the split-tunnel mode, then show the status.") { mode };
        command.SetAction((parse, cancellationToken) => _runner.RunAsync(
            parse,
            (client, ct) => client.SendAsync(HttpMethod.Put, LocalApiPaths.Mode, new ModeRequest(parse.GetValue(mode)!), LocalApiJsonContext.Default.ModeRequest, LocalApiJsonContext.Default.StatusResponse, ct),
            (writer, status) => StatusFormatter.Write(writer, status!),
            json: null,
            cancellationToken));
        return command;
    }

    private Command Settings() => Get("settings", "Show every setting, its value, where it came from, and whether it changes live.", LocalApiPaths.Settings, LocalApiJsonContext.Default.IReadOnlyListSettingEntry, SettingsFormatter.Write);

    private Command Routes() => Get("routes", "Show the addresses learned from DNS answers and where their traffic goes.", LocalApiPaths.Routes, LocalApiJsonContext.Default.IReadOnlyListLearnedRouteEntry, RoutesFormatter.Write);

    private Command Explain()
    {
        var target = new Argument<string>("target") { Description = "An IP address or a host name.", HelpName = "address|name" };
        var command = new Command("explain", "Explain whether traffic to an address or name goes through the tunnel, and why.") { target };
        command.SetAction((parse, cancellationToken) => _runner.RunAsync(
            parse,
            (client, ct) => client.GetAsync($"{LocalApiPaths.Explain}?target={Uri.EscapeDataString(parse.GetValue(target)!)}", LocalApiJsonContext.Default.ExplainResponse, ct),
            (writer, explain) => ExplainFormatter.Write(writer, explain!),
            json: null,
            cancellationToken));
        return command;
    }

    private Command Stats() => Get("stats", "Show every counter the agent keeps.", LocalApiPaths.Stats, LocalApiJsonContext.Default.StatsResponse, StatsFormatter.Write);

    private Command Posture() => Get("posture", "Show the device posture the agent reports.", LocalApiPaths.Posture, LocalApiJsonContext.Default.PostureResponse, PostureFormatter.Write);

    private Command Watch()
    {
        var command = new Command("watch", "Print the agent's events as they happen, until Ctrl+C or the agent stops.");
        command.SetAction((parse, cancellationToken) => _runner.WatchAsync(parse, cancellationToken));
        return command;
    }

    private Command Get<T>(string name, string description, string path, JsonTypeInfo<T> type, Action<TextWriter, T> human)
        where T : class
    {
        var command = new Command(name, description);
        command.SetAction((parse, cancellationToken) => _runner.RunAsync(
            parse,
            (client, ct) => client.GetAsync(path, type, ct),
            (writer, value) => human(writer, value!),
            json: null,
            cancellationToken));
        return command;
    }

    private Command PostAction(string name, string description, string path)
    {
        var command = new Command(name, description);
        command.SetAction((parse, cancellationToken) => _runner.RunAsync(
            parse,
            (client, ct) => client.SendAsync(HttpMethod.Post, path, LocalApiJsonContext.Default.StatusResponse, ct),
            (writer, status) => StatusFormatter.Write(writer, status!),
            json: null,
            cancellationToken));
        return command;
    }
}
