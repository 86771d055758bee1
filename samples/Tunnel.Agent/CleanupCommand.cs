using Tunnel.Agent.Configuration;
using Tunnel.Agent.Service;
using Tunnel.Platform.Darwin;
using Tunnel.Platform.Linux;
using Tunnel.Platform.Windows;

namespace Tunnel.Agent;

/// <summary>
/// <c>tunnel-agent cleanup [--config FILE]</c>: undoes what an agent that was killed left behind, the
/// resolver pointed at its forwarder and its routes, without starting one. On Linux those are its throw and
/// prohibit routes and policy rules, of which only what carries the agent's mark goes; on macOS and Windows the
/// routes it journaled outside its (gone) interface, the dynamic store's DNS and <c>/etc/resolver</c> files (macOS)
/// or the NRPT rules named after its interface (Windows). A wg-quick tunnel or another VPN beside it keeps all of
/// its own. Each step runs whatever the others did; a failed one is reported and the exit code is 1. The systemd
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

        if (!AgentService.CanConnect)
        {
            Console.Error.WriteLine("tunnel-agent: cleanup is for Linux, macOS and Windows.");
            return 1;
        }

        return await CleanUpAsync(args);
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    [System.Runtime.Versioning.SupportedOSPlatform("macos")]
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
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

        var outcomes = new List<AgentRecovery.Outcome>();
        if (OperatingSystem.IsLinux())
        {
            // Whichever way the dead agent had pointed the resolver: both keep what to undo on disk.
            var resolvConf = RunCommand.ResolvConf(settings);
            var resolved = new SystemdResolvedConfigurator(new SystemdResolvedOptions { InterfaceName = settings.Interface });
            outcomes.Add(await AgentRecovery.RestoreResolverAsync(resolvConf, settings.ResolvConf, resolvConf.Options.StatePath, TimeProvider.System));
            outcomes.Add(await AgentRecovery.RestoreResolverAsync(resolved, "the tunnel's link in systemd-resolved", resolved.Options.StatePath, TimeProvider.System));
        }

        if (OperatingSystem.IsMacOS())
        {
            var darwin = new DarwinResolverConfigurator(new DarwinResolverOptions { InterfaceName = settings.Interface });
            outcomes.Add(await AgentRecovery.RestoreResolverAsync(darwin, "the system's DNS and /etc/resolver files", darwin.Options.StatePath, TimeProvider.System));
        }

        if (OperatingSystem.IsWindows())
        {
            // The adapter's own DNS servers went with it; the NRPT rules named after it outlive it.
            var windows = new WindowsResolverConfigurator(new WindowsResolverOptions { InterfaceName = settings.Interface });
            outcomes.Add(await AgentRecovery.RestoreResolverAsync(windows, "the NRPT rules", statePath: null, TimeProvider.System));
        }

        outcomes.Add(AgentRecovery.RemoveStaleRoutes(AgentService.RemoveStaleRoutes, settings));

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
