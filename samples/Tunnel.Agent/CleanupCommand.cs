using Tunnel.Agent.Configuration;
using Tunnel.Platform.Linux;

namespace Tunnel.Agent;

/// <summary>
/// <c>tunnel-agent cleanup [--config FILE]</c>: undoes what an agent that was killed left behind, the
/// resolver file pointed at its forwarder and its throw routes and policy rules, without starting one.
/// The systemd unit runs it as <c>ExecStopPost=</c>, which runs however the service ended.
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

        try
        {
            var settings = args.Count == 0 ? new AgentSettings() : AgentConfigurationLoader.Load(args[1]);
            // Whichever way the dead agent had pointed the resolver: both keep what to undo on disk.
            var restored = new List<string>();
            var resolvConf = RunCommand.ResolvConf(settings);
            if (resolvConf.IsApplied)
            {
                await resolvConf.RestoreAsync(CancellationToken.None);
                restored.Add($"restored {settings.ResolvConf}");
            }

            var resolved = new SystemdResolvedConfigurator(new SystemdResolvedOptions { InterfaceName = settings.Interface });
            if (resolved.IsApplied)
            {
                await resolved.RestoreAsync(CancellationToken.None);
                restored.Add("reverted the tunnel's link in systemd-resolved");
            }

            int removed = LinuxRouteTable.RemoveStale(new LinuxRouteTableOptions { InterfaceName = settings.Interface });
            Console.Out.WriteLine($"tunnel-agent: {(restored.Count > 0 ? string.Join(", ", restored) : "the resolver was not changed")}; removed {removed} stale routes and rules.");
            return 0;
        }
        catch (Exception error) when (error is AgentConfigurationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"tunnel-agent: {error.Message}");
            return 1;
        }
    }
}
