using Tunnel.Agent.Configuration;
using Tunnel.ControlPlane;
using Tunnel.Dns;
using Tunnel.Routing;

namespace Tunnel.Agent.Service;

/// <summary>
/// A device settings profile pushed by the controller, in the agent's terms: the mode, the split-tunnel entries of
/// that mode's list, the fallback domains, and whether local changes may beat it.
/// </summary>
internal sealed record ControllerPolicy(long Version, string Profile, AgentMode Mode, IReadOnlyList<SplitTunnelRule> SplitTunnel, IReadOnlyList<DnsFallbackDomain> FallbackDomains, bool AllowLocalChanges)
{
    /// <summary>The settings a policy sets.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mode", "splitTunnel", "dns.fallbackDomains"];

    /// <summary>
    /// Reads a snapshot as the controller sent it. A fallback domain without servers of its own (the device's
    /// defaults) is left out: the agent's forwarder asks its default servers for every name no domain claims anyway.
    /// </summary>
    /// <exception cref="FormatException">An entry the agent cannot read: the snapshot is not applied.</exception>
    public static ControllerPolicy From(PolicySnapshot snapshot)
    {
        AgentMode mode = AgentConfigurationLoader.ParseMode(snapshot.Mode) ?? throw new FormatException($"'{snapshot.Mode}' is not a mode");
        IReadOnlyList<SnapshotEntry> list = mode == AgentMode.Include ? snapshot.Include : snapshot.Exclude;
        var rules = list.Select(entry => SplitTunnelRule.Parse(entry.Address ?? entry.Host ?? throw new FormatException("an entry with neither address nor host"), entry.Description)).ToList();
        var domains = new List<DnsFallbackDomain>();
        foreach (SnapshotFallbackDomain domain in snapshot.FallbackDomains.Where(domain => domain.DnsServer.Count > 0))
        {
            var servers = domain.DnsServer.Select(server => AgentConfigurationLoader.TryParseServer(server, out var endPoint)
                ? endPoint
                : throw new FormatException($"'{server}' is not a DNS server")).ToList();
            domains.Add(new DnsFallbackDomain(domain.Suffix, servers));
        }

        return new ControllerPolicy(snapshot.Version, snapshot.ProfileName, mode, rules, domains, snapshot.AllowLocalChanges);
    }
}
