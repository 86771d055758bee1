using System.Net;
using Tunnel.Controller.Api;
using Tunnel.Controller.Data;
using Tunnel.Routing;

namespace Tunnel.Controller.Policy;

/// <summary>
/// Checks a split-tunnel or fallback-domain list as a whole before anything is stored: each entry by the router's own
/// grammar (<see cref="SplitTunnelRule.Parse"/>, <see cref="DomainPattern"/>), so what the controller accepts every
/// agent can apply. An error names the field (<c>include[2].address</c>) and says why.
/// </summary>
internal static class ListValidation
{
    /// <summary>The most entries in one list.</summary>
    public const int MaxEntries = 1000;

    /// <summary>The longest description.</summary>
    public const int MaxDescription = 200;

    /// <summary>The most DNS servers of one fallback domain.</summary>
    public const int MaxServers = 8;

    public static bool TryReadSplitTunnel(string list, IReadOnlyList<SplitTunnelModel>? entries, out List<SplitTunnelEntry> result, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        result = [];
        if (entries is null)
        {
            error = $"{list}: the body must be a JSON array of entries.";
            return false;
        }

        if (entries.Count > MaxEntries)
        {
            error = $"{list}: {entries.Count} entries, more than the {MaxEntries} allowed.";
            return false;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < entries.Count; i++)
        {
            SplitTunnelModel? entry = entries[i];
            string field = $"{list}[{i}]";
            if (entry is null)
            {
                error = $"{field}: an entry cannot be null.";
                return false;
            }

            if ((entry.Address is null) == (entry.Host is null))
            {
                error = $"{field}: give either address or host, not both and not neither.";
                return false;
            }

            if (!TryReadDescription(field, entry.Description, out error))
            {
                return false;
            }

            string text;
            if (entry.Address is not null)
            {
                SplitTunnelRule rule;
                try
                {
                    rule = SplitTunnelRule.Parse(entry.Address);
                }
                catch (FormatException failure)
                {
                    error = $"{field}.address: {failure.Message}";
                    return false;
                }

                if (rule.Prefix is not { } prefix)
                {
                    error = $"{field}.address: '{entry.Address}' is a host name; give it as host.";
                    return false;
                }

                text = prefix.ToString();
            }
            else
            {
                if (!DomainPattern.TryParse(entry.Host, out _, out string? why))
                {
                    error = $"{field}.host: {why}";
                    return false;
                }

                text = entry.Host!.Trim().TrimEnd('.').ToLowerInvariant();
            }

            if (!seen.Add(text))
            {
                error = $"{field}: '{text}' is already in the list.";
                return false;
            }

            result.Add(new SplitTunnelEntry
            {
                List = list,
                Position = i,
                Address = entry.Address is null ? null : text,
                Host = entry.Host is null ? null : text,
                Description = entry.Description ?? "",
            });
        }

        error = null;
        return true;
    }

    public static bool TryReadFallbackDomains(IReadOnlyList<FallbackDomainModel>? entries, out List<FallbackDomain> result, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        result = [];
        if (entries is null)
        {
            error = "fallback_domains: the body must be a JSON array of entries.";
            return false;
        }

        if (entries.Count > MaxEntries)
        {
            error = $"fallback_domains: {entries.Count} entries, more than the {MaxEntries} allowed.";
            return false;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < entries.Count; i++)
        {
            FallbackDomainModel? entry = entries[i];
            string field = $"fallback_domains[{i}]";
            if (entry is null)
            {
                error = $"{field}: an entry cannot be null.";
                return false;
            }

            if (string.IsNullOrWhiteSpace(entry.Suffix) || entry.Suffix.Contains('*', StringComparison.Ordinal) || !DomainPattern.TryParse(entry.Suffix, out _, out string? why))
            {
                error = $"{field}.suffix: '{entry.Suffix}' is not a domain name{(entry.Suffix?.Contains('*', StringComparison.Ordinal) == true ? " (a suffix covers its subdomains already; no wildcard)" : "")}.";
                return false;
            }

            if (!TryReadDescription(field, entry.Description, out error))
            {
                return false;
            }

            IReadOnlyList<string> servers = entry.DnsServer ?? [];
            if (servers.Count > MaxServers)
            {
                error = $"{field}.dns_server: {servers.Count} servers, more than the {MaxServers} allowed.";
                return false;
            }

            for (int s = 0; s < servers.Count; s++)
            {
                if (!IPAddress.TryParse(servers[s], out _) || servers[s].Contains('%', StringComparison.Ordinal))
                {
                    error = $"{field}.dns_server[{s}]: '{servers[s]}' is not an IP address.";
                    return false;
                }
            }

            string suffix = entry.Suffix.Trim().TrimEnd('.').ToLowerInvariant();
            if (!seen.Add(suffix))
            {
                error = $"{field}.suffix: '{suffix}' is already in the list.";
                return false;
            }

            result.Add(new FallbackDomain
            {
                Position = i,
                Suffix = suffix,
                Description = entry.Description ?? "",
                DnsServers = string.Join('\n', servers.Select(server => IPAddress.Parse(server).ToString())),
            });
        }

        error = null;
        return true;
    }

    private static bool TryReadDescription(string field, string? description, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        error = description is { Length: > MaxDescription } ? $"{field}.description: longer than {MaxDescription} characters." : null;
        return error is null;
    }
}
