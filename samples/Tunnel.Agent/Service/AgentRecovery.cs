using System.Globalization;
using System.Runtime.Versioning;
using Tunnel.Agent.Configuration;
using Tunnel.Connections;
using Tunnel.Platform.Linux;

namespace Tunnel.Agent.Service;

/// <summary>
/// The steps that undo what a dead agent left, each on its own: one that fails is reported and the others
/// still run, so a corrupt state file never keeps the routes and rules in place, and never keeps the agent
/// from starting (a service manager would restart it into the same failure for ever).
/// </summary>
internal static class AgentRecovery
{
    /// <summary>What one step did, or why it could not.</summary>
    /// <param name="Done">What was undone, for the operator; null when there was nothing to do.</param>
    /// <param name="Problem">Why the step failed and what was done about it; null when it did not.</param>
    public readonly record struct Outcome(string? Done, string? Problem);

    /// <summary>
    /// The table, mark, rule priority and protocol the agent's routes and rules use for these settings: the
    /// tunnel's <c>FwMark</c> and numeric <c>Table</c> when its <c>.conf</c> gives them, else the defaults of
    /// <see cref="LinuxRouteTableOptions"/>. Connecting, recovery and <c>cleanup</c> all take them from here,
    /// so clean-up finds what a run with a custom mark or table left.
    /// </summary>
    public static LinuxRouteTableOptions TableOptions(AgentSettings settings)
    {
        var options = new LinuxRouteTableOptions { InterfaceName = settings.Interface };
        if (settings.Tunnel?.Interface is { } tunnel)
        {
            if (tunnel.FwMark is { } mark and not 0)
            {
                options = options with { FirewallMark = mark };
            }

            if (uint.TryParse(tunnel.Table, NumberStyles.None, CultureInfo.InvariantCulture, out uint table))
            {
                options = options with { TableId = table };
            }
        }

        return options;
    }

    /// <summary>Removes the routes and rules a dead run left (only those marked as the agent's).</summary>
    public static Outcome RemoveStaleRoutes(Func<AgentSettings, int> removeStale, AgentSettings settings)
    {
        try
        {
            int removed = removeStale(settings);
            return new Outcome(removed > 0 ? $"removed {removed} stale routes and rules" : null, null);
        }
        catch (Exception error) when (error is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return new Outcome(null, $"removing stale routes and rules failed: {error.Message}");
        }
    }

    /// <summary>
    /// Points the system resolver back where it was, if a dead run left it at the forwarder. A saved state
    /// that cannot be read is renamed aside (<c>STATE.corrupt-TIME</c>), so the next run starts clean, and
    /// reported: the resolver may still need an operator.
    /// </summary>
    /// <param name="resolver">The configurator with the saved state.</param>
    /// <param name="name">What it is, for the report (<c>/etc/resolv.conf</c>, <c>systemd-resolved</c>).</param>
    /// <param name="statePath">Its state file, to rename aside when unreadable; null when it has none to move.</param>
    /// <param name="time">When, for the renamed file's suffix.</param>
    public static async Task<Outcome> RestoreResolverAsync(ISystemResolverConfigurator resolver, string name, string? statePath, TimeProvider time)
    {
        try
        {
            if (!resolver.IsApplied)
            {
                return default;
            }

            await resolver.RestoreAsync(CancellationToken.None).ConfigureAwait(false);
            return new Outcome($"restored {name}", null);
        }
        catch (InvalidDataException corrupt) when (statePath is not null && File.Exists(statePath))
        {
            string aside = $"{statePath}.corrupt-{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}";
            try
            {
                File.Move(statePath, aside, overwrite: true);
                return new Outcome(null, $"{corrupt.Message} Moved it to {aside}; {name} was not restored and may still point at the agent's DNS forwarder.");
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return new Outcome(null, $"{corrupt.Message} Moving it aside failed too: {error.Message}");
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException)
        {
            return new Outcome(null, $"restoring {name} failed: {error.Message}");
        }
    }

    /// <summary>The state file of one of the platform's configurators; null for any other.</summary>
    [SupportedOSPlatform("linux")]
    [SupportedOSPlatform("macos")]
    public static string? StatePathOf(ISystemResolverConfigurator resolver) => resolver switch
    {
        LinuxResolvConfConfigurator resolvConf when OperatingSystem.IsLinux() => resolvConf.Options.StatePath,
        SystemdResolvedConfigurator resolved when OperatingSystem.IsLinux() => resolved.Options.StatePath,
        Tunnel.Platform.Darwin.DarwinResolverConfigurator darwin when OperatingSystem.IsMacOS() => darwin.Options.StatePath,
        _ => null,
    };
}
