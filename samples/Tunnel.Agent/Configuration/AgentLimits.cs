using System.Net;
using System.Net.Sockets;

namespace Tunnel.Agent.Configuration;

/// <summary>
/// The bounds on what the configuration file, the local settings file and the local API may set: how many
/// entries, how long a description, which addresses can be DNS servers, and whether the whole makes a valid
/// policy. Checked on every path in, so a value that the agent could not run is refused before it is saved
/// (an upstream of <c>255.255.255.255</c> used to be saved and then fail every connect, also after a restart).
/// </summary>
internal static class AgentLimits
{
    /// <summary>Split-tunnel entries: far more than an operator writes by hand, few enough to keep a policy small.</summary>
    public const int MaxSplitTunnelEntries = 1024;

    /// <summary>Domains with their own DNS servers.</summary>
    public const int MaxFallbackDomains = 256;

    /// <summary>DNS servers in one list (the upstreams, or one domain's).</summary>
    public const int MaxServers = 16;

    /// <summary>Characters in a description: a label for people, not a document (a 1 MiB one was once accepted and saved).</summary>
    public const int MaxDescriptionLength = 256;

    /// <summary>Why <paramref name="description"/> cannot be a description, or <see langword="null"/> when it can.</summary>
    public static string? CheckDescription(string? description)
    {
        if (description is null)
        {
            return null;
        }

        if (description.Length > MaxDescriptionLength)
        {
            return $"a description has at most {MaxDescriptionLength} characters (this one has {description.Length})";
        }

        // Control characters would reach terminals through tunnelctl and the logs.
        return description.Any(char.IsControl) ? "a description cannot contain control characters" : null;
    }

    /// <summary>Why <paramref name="server"/> cannot be a DNS server, or <see langword="null"/> when it can.</summary>
    public static string? CheckServer(IPEndPoint server)
    {
        var address = server.Address;
        bool unusable = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast)
            || (address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes()[0] >= 224)
            || address.IsIPv6Multicast;
        return unusable ? $"'{AgentSettings.FormatServer(server)}' cannot be a DNS server (unspecified, broadcast, multicast or reserved address)" : null;
    }

    /// <summary>
    /// Why <paramref name="settings"/> cannot be run, or <see langword="null"/> when they can: every limit,
    /// every server, and the policy they make with the connection's own entries (the gateway, the upstreams).
    /// </summary>
    public static string? Check(AgentSettings settings)
    {
        if (settings.SplitTunnel.Count > MaxSplitTunnelEntries)
        {
            return $"at most {MaxSplitTunnelEntries} split-tunnel entries";
        }

        if (settings.DnsFallbackDomains.Count > MaxFallbackDomains)
        {
            return $"at most {MaxFallbackDomains} fallback domains";
        }

        if (settings.DnsUpstreams.Count > MaxServers || settings.DnsFallbackDomains.Any(domain => domain.Servers.Count > MaxServers))
        {
            return $"at most {MaxServers} DNS servers in a list";
        }

        string? problem = settings.SplitTunnel.Select(rule => CheckDescription(rule.Description)).FirstOrDefault(found => found is not null)
            ?? settings.DnsFallbackDomains.Select(domain => CheckDescription(domain.Description)).FirstOrDefault(found => found is not null)
            ?? settings.DnsUpstreams.Concat(settings.DnsFallbackDomains.SelectMany(domain => domain.Servers)).Select(CheckServer).FirstOrDefault(found => found is not null);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            _ = settings.ToPolicy(settings.DnsSystemRules());
            return null;
        }
        catch (ArgumentException exception)
        {
            return $"the settings do not make a valid policy: {exception.Message}";
        }
    }
}
