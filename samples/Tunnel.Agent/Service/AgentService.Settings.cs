using Tunnel.Agent.Configuration;
using Tunnel.Dns;
using Tunnel.LocalApi;
using Tunnel.Routing;

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
        if (AgentLimits.CheckDescription(request.Description) is { } problem)
        {
            throw AgentRequestException.BadRequest(problem);
        }

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

        if (request.Servers is not { Count: > 0 and <= AgentLimits.MaxServers })
        {
            throw AgentRequestException.BadRequest($"give 1 to {AgentLimits.MaxServers} DNS servers");
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
        if (servers.Count > AgentLimits.MaxServers)
        {
            throw AgentRequestException.BadRequest($"give at most {AgentLimits.MaxServers} DNS servers");
        }

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

    /// <summary>
    /// One change, all or nothing: checked whole (every limit, and the policy it makes), applied to the live
    /// connection, then saved, and only then the settings in effect. When applying or saving fails, what was
    /// applied is undone and the request is refused, so the previous value stays in effect and on disk.
    /// </summary>
    private async Task<StatusResponse> ChangeAsync(string name, Func<AgentSettings, AgentSettings> change, string description, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            CheckPolicyAllows(name);
            var before = Settings;
            bool wasOpen = State != ConnectionStates.Disconnected;
            var after = before.WithLocalChange(name, change);
            if (AgentLimits.Check(after) is { } problem)
            {
                throw AgentRequestException.BadRequest(problem);
            }

            try
            {
                await ApplyAsync(after, before, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                string reason = exception is AgentRequestException refused ? refused.Message : exception.Message;
                await RevertAsync(before, after, wasOpen).ConfigureAwait(false);
                Publish("error", $"{description} refused: applying it failed: {reason}");
                throw new AgentRequestException(exception is AgentRequestException { StatusCode: var code } ? code : 500, $"{name} not changed: applying it failed: {reason}");
            }

            if (_localSettingsFile is not null)
            {
                try
                {
                    AgentLocalSettings.Save(after, _localSettingsFile);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    // A change that would not outlive a restart is refused rather than half made.
                    Log.LocalSettingsNotSaved(_log, exception, _localSettingsFile);
                    await RevertAsync(before, after, wasOpen).ConfigureAwait(false);
                    throw new AgentRequestException(500, $"{name} not changed: it could not be saved to {_localSettingsFile}: {exception.Message}");
                }
            }

            Volatile.Write(ref _settings, after);
            Log.SettingChanged(_log, name, description);
            Publish("setting", description);
            return GetStatus();
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Makes the connection run <paramref name="after"/> instead of <paramref name="before"/>.</summary>
    private async Task ApplyAsync(AgentSettings after, AgentSettings before, CancellationToken cancellationToken)
    {
        bool wasPostureOnly = before.Mode == AgentMode.PostureOnly;
        bool isPostureOnly = after.Mode == AgentMode.PostureOnly;
        if (State != ConnectionStates.Disconnected && wasPostureOnly != isPostureOnly)
        {
            await CloseAsync().ConfigureAwait(false);
            await OpenAsync(after, cancellationToken).ConfigureAwait(false);
        }
        else if (Connection is { } connection)
        {
            await connection.UpdateAsync(after, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Best effort back to <paramref name="before"/> after a failed change; what cannot be undone is the last error.</summary>
    private async Task RevertAsync(AgentSettings before, AgentSettings after, bool wasOpen)
    {
        try
        {
            bool wasPostureOnly = before.Mode == AgentMode.PostureOnly;
            if (wasOpen && wasPostureOnly != (after.Mode == AgentMode.PostureOnly))
            {
                // The mode switch closed the connection: reopen it as it was, if it was open.
                if (State != ConnectionStates.Disconnected)
                {
                    await CloseAsync().ConfigureAwait(false);
                }

                await OpenAsync(before, CancellationToken.None).ConfigureAwait(false);
            }
            else if (Connection is { } connection)
            {
                await connection.UpdateAsync(before, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Volatile.Write(ref _lastError, $"restoring the previous settings failed: {exception.Message}");
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
