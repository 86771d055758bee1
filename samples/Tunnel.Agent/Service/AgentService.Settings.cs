using Tunnel.Agent.Configuration;
using Tunnel.Core.Routing;
using Tunnel.Dns;
using Tunnel.LocalApi;

namespace Tunnel.Agent.Service;

/// <summary>The settings the local API changes: each checked, recorded as a local change, kept on disk, and applied live.</summary>
internal sealed partial class AgentService
{
    /// <summary>Changes the mode, live.</summary>
    public Task<StatusResponse> SetModeAsync(string mode, CancellationToken cancellationToken)
    {
        var parsed = AgentConfigurationLoader.ParseMode(mode) ?? throw AgentRequestException.BadRequest($"'{mode}' is not a mode: exclude, include or posture-only");
        return ChangeAsync("mode", settings => settings with { Mode = parsed }, $"mode {mode}", cancellationToken);
    }

    /// <summary>Adds a split-tunnel entry, live.</summary>
    public async Task<SplitTunnelEntry> AddEntryAsync(SplitTunnelEntryRequest request, CancellationToken cancellationToken)
    {
        var rule = ParseEntry(request.Entry, request.Description);
        string kind = KindOf(rule);
        if (request.Kind is not null && request.Kind != kind)
        {
            throw AgentRequestException.BadRequest(request.Kind == "ip" ? $"'{request.Entry}' is not an address or prefix" : $"'{request.Entry}' is not a domain pattern");
        }

        await ChangeAsync(
            "splitTunnel",
            settings => settings.SplitTunnel.Any(existing => existing.ToString() == rule.ToString())
                ? throw AgentRequestException.Conflict($"'{rule}' is already an entry")
                : settings with { SplitTunnel = [.. settings.SplitTunnel, rule] },
            $"added {kind} entry {rule}",
            cancellationToken).ConfigureAwait(false);
        return ToEntry(rule);
    }

    /// <summary>Removes a split-tunnel entry, live; the addresses it taught go at once.</summary>
    public Task RemoveEntryAsync(string entry, CancellationToken cancellationToken)
    {
        string key = ParseEntry(entry, null).ToString();
        return ChangeAsync(
            "splitTunnel",
            settings => settings.SplitTunnel.Any(existing => existing.ToString() == key)
                ? settings with { SplitTunnel = [.. settings.SplitTunnel.Where(existing => existing.ToString() != key)] }
                : throw AgentRequestException.NotFound($"'{entry}' is not an entry"),
            $"removed entry {key}",
            cancellationToken);
    }

    /// <summary>Adds (or replaces) the DNS servers of a domain, live.</summary>
    public async Task<FallbackDomainEntry> AddFallbackDomainAsync(FallbackDomainEntry request, CancellationToken cancellationToken)
    {
        if (!DomainPattern.TryParse(request.Suffix, out var pattern, out string? error) || pattern.IncludesSubdomains)
        {
            throw AgentRequestException.BadRequest($"'{request.Suffix}' is not a domain suffix{(error is null ? " (give the domain, without '*.')" : $": {error}")}");
        }

        if (request.Servers is not { Count: > 0 })
        {
            throw AgentRequestException.BadRequest("give at least one DNS server");
        }

        var servers = request.Servers.Select(server => AgentConfigurationLoader.TryParseServer(server, out var endPoint)
            ? endPoint
            : throw AgentRequestException.BadRequest($"'{server}' is not a DNS server address (an IP address, with :port if not 53)")).ToList();
        var domain = new DnsFallbackDomain(pattern.ToString(), servers);
        await ChangeAsync(
            "dns.fallbackDomains",
            settings => settings with { DnsFallbackDomains = [.. settings.DnsFallbackDomains.Where(existing => !SameSuffix(existing.Suffix, domain.Suffix)), domain] },
            $"DNS servers for {domain.Suffix}: {string.Join(", ", servers)}",
            cancellationToken).ConfigureAwait(false);
        return ToFallback(domain);
    }

    /// <summary>Removes the DNS servers of a domain, live.</summary>
    public Task RemoveFallbackDomainAsync(string suffix, CancellationToken cancellationToken) =>
        ChangeAsync(
            "dns.fallbackDomains",
            settings => settings.DnsFallbackDomains.Any(existing => SameSuffix(existing.Suffix, suffix))
                ? settings with { DnsFallbackDomains = [.. settings.DnsFallbackDomains.Where(existing => !SameSuffix(existing.Suffix, suffix))] }
                : throw AgentRequestException.NotFound($"'{suffix}' has no DNS servers of its own"),
            $"removed DNS servers for {suffix}",
            cancellationToken);

    /// <summary>Replaces the forwarder's default servers, live (an empty list: the tunnel's <c>DNS =</c> servers).</summary>
    public async Task<UpstreamsEntry> SetUpstreamsAsync(IReadOnlyList<string> servers, CancellationToken cancellationToken)
    {
        var parsed = servers.Select(server => AgentConfigurationLoader.TryParseServer(server, out var endPoint)
            ? endPoint
            : throw AgentRequestException.BadRequest($"'{server}' is not a DNS server address (an IP address, with :port if not 53)")).ToList();
        await ChangeAsync(
            "dns.upstreams",
            settings => settings with { DnsUpstreams = parsed },
            parsed.Count == 0 ? "DNS upstreams: the tunnel's" : $"DNS upstreams: {string.Join(", ", parsed.Select(AgentSettings.FormatServer))}",
            cancellationToken).ConfigureAwait(false);
        return GetUpstreams();
    }

    private async Task<StatusResponse> ChangeAsync(string name, Func<AgentSettings, AgentSettings> change, string description, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = Settings;
            var after = before.WithLocalChange(name, change);
            Volatile.Write(ref _settings, after);
            Log.SettingChanged(_log, name, description);
            Publish("setting", description);
            Persist(after);
            bool wasPostureOnly = before.Mode == AgentMode.PostureOnly;
            bool isPostureOnly = after.Mode == AgentMode.PostureOnly;
            try
            {
                if (State != ConnectionStates.Disconnected && wasPostureOnly != isPostureOnly)
                {
                    await CloseAsync().ConfigureAwait(false);
                    await OpenAsync(cancellationToken).ConfigureAwait(false);
                }
                else if (Connection is { } connection)
                {
                    await connection.UpdateAsync(after, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The setting stays changed (it is what the operator asked for, and what the next connect uses).
                string reason = exception is AgentRequestException refused ? refused.Message : exception.Message;
                Volatile.Write(ref _lastError, $"{description}: {reason}");
                Publish("error", $"{description}, but applying it failed: {reason}");
                throw new AgentRequestException(exception is AgentRequestException { StatusCode: var code } ? code : 500, $"{name} changed, but applying it failed: {reason}");
            }

            return GetStatus();
        }
        finally
        {
            _changes.Release();
        }
    }

    private void Persist(AgentSettings settings)
    {
        if (_localSettingsFile is null)
        {
            return;
        }

        try
        {
            AgentLocalSettings.Save(settings, _localSettingsFile);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The change holds for this run; say that it will not outlive it.
            Volatile.Write(ref _lastError, $"local changes not saved to {_localSettingsFile}: {exception.Message}");
            Log.LocalSettingsNotSaved(_log, exception, _localSettingsFile);
        }
    }

    private static SplitTunnelRule ParseEntry(string entry, string? description)
    {
        try
        {
            return SplitTunnelRule.Parse(entry ?? string.Empty, description);
        }
        catch (FormatException exception)
        {
            throw AgentRequestException.BadRequest(exception.Message);
        }
    }

    private static bool SameSuffix(string left, string right) =>
        string.Equals(left.TrimEnd('.'), right.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
}
