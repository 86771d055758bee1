using Tunnel.Agent.Configuration;
using Tunnel.Agent.Service;
using Tunnel.Platform.Linux;

namespace Tunnel.Agent;

/// <summary>
/// <c>tunnel-agent cleanup [--config FILE]</c>: undoes what an agent that was killed left behind, the
/// resolver pointed at its forwarder and its throw and prohibit routes and policy rules, without starting
/// one. Only what carries the agent's mark goes: a wg-quick tunnel or another VPN beside it keeps all of its
/// own. Each step runs whatever the others did; a failed one is reported and the exit code is 1. The systemd
/// unit runs it as <c>ExecStopPost=</c>, which runs however the service ended.
/// </summary>
internal static class CleanupCommand
{
    public const string Usage = "tunnel-agent cleanup [--config FILE]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args is not ([] or ["--config" or "-c", _]))
        {
            Console.Error.WriteLine($"tunnel-agent: usage: {Usage}");
            return 2;
        }

        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine("tunnel-agent: cleanup is for Linux.");
            return 1;
        }

        return await CleanUpAsync(args);
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static async Task<int> CleanUpAsync(IReadOnlyList<string> args)
    {
        var problems = new List<string>();
        AgentSettings settings;
        try
        {
            settings = args.Count == 0 ? new AgentSettings() : AgentConfigurationLoader.Load(args[1]);
        }
        catch (Exception error) when (error is AgentConfigurationException or IOException or UnauthorizedAccessException)
        {
            // The routes and rules with the default table and priorities can still go.
            problems.Add($"{error.Message}; cleaning up with the default settings");
            settings = new AgentSettings();
        }

        // Whichever way the dead agent had pointed the resolver: both keep what to undo on disk.
        var resolvConf = RunCommand.ResolvConf(settings);
        var resolved = new SystemdResolvedConfigurator(new SystemdResolvedOptions { InterfaceName = settings.Interface });
        var outcomes = new List<AgentRecovery.Outcome>
        {
            await AgentRecovery.RestoreResolverAsync(resolvConf, settings.ResolvConf, resolvConf.Options.StatePath, TimeProvider.System),
            await AgentRecovery.RestoreResolverAsync(resolved, "the tunnel's link in systemd-resolved", resolved.Options.StatePath, TimeProvider.System),
            AgentRecovery.RemoveStaleRoutes(options => LinuxRouteTable.RemoveStale(AgentRecovery.TableOptions(options)), settings),
        };

        problems.AddRange(outcomes.Where(outcome => outcome.Problem is not null).Select(outcome => outcome.Problem!));
        var done = outcomes.Where(outcome => outcome.Done is not null).Select(outcome => outcome.Done!).ToList();
        Console.Out.WriteLine($"tunnel-agent: {(done.Count > 0 ? string.Join(", ", done) : "nothing was left to undo")}.");
        foreach (string problem in problems)
        {
            Console.Error.WriteLine($"tunnel-agent: {problem}");
        }

        return problems.Count == 0 ? 0 : 1;
    }
}
