using System.Diagnostics;
using System.Net;
using Tunnel.Agent.Configuration;
using Tunnel.LocalApi;
using Tunnel.Posture;
using Tunnel.Routing;

namespace Tunnel.Agent.Service;

/// <summary>What the local API reads: snapshots, never waiting for a change in progress.</summary>
internal sealed partial class AgentService
{
    /// <summary>The status <c>tunnelctl status</c> shows.</summary>
    public StatusResponse GetStatus()
    {
        var settings = Settings;
        var connection = Connection;
        var gateway = settings.Tunnel is { Peers.Count: > 0 } tunnel ? tunnel.Peers[0] : null;
        var status = new StatusResponse
        {
            State = State,
            Mode = AgentConfigurationLoader.FormatMode(settings.Mode),
            Interface = settings.Interface,
            PublicKey = settings.TunnelKey?.PublicKey.ToString(),
            Gateway = gateway?.Endpoint?.ToString(),
            LastError = LastError,
            Version = AgentVersion.Text,
        };

        if (connection is null)
        {
            return status;
        }

        // The keyless status: GetState would copy the private and preshared keys on every read.
        var device = connection.Host.GetStatus();
        var statistics = connection.Host.GetStatistics();
        return status with
        {
            ConnectedSince = connection.Since,
            HandshakeAgeSeconds = HandshakeAgeSeconds(device),
            BytesReceived = device.Peers.Sum(peer => peer.ReceivedBytes),
            BytesSent = device.Peers.Sum(peer => peer.TransmittedBytes),
            Drops = statistics.Drops.Values.Sum(),
            LearnedRoutes = connection.Controller.Router.Statistics.LearnedAddresses,
            DnsListen = connection.Forwarder.LocalEndPoint?.ToString(),
            DnsQueries = connection.DnsQueries,
            ResolverBackend = connection.ResolverName,
        };
    }

    private double? HandshakeAgeSeconds(TunnelStatus device) =>
        device.Peers.Select(peer => peer.LastHandshake).Where(time => time is not null).DefaultIfEmpty(null).Max() is { } last
            ? Math.Max(0, (_time.GetUtcNow() - last).TotalSeconds)
            : null;

    /// <summary>Healthy when connected with a handshake in the last three minutes (or not meant to have one).</summary>
    public HealthResponse GetHealth()
    {
        var problems = new List<string>();
        var status = GetStatus();
        if (status.LastError is { } error)
        {
            problems.Add($"last error: {error}");
        }

        if (status.State == ConnectionStates.Reconnecting)
        {
            problems.Add("the tunnel is down: its traffic is blocked while the agent reconnects");
        }

        if (status.State == ConnectionStates.Connected && (status.HandshakeAgeSeconds is null or > 180))
        {
            problems.Add(status.HandshakeAgeSeconds is null ? "no handshake with the gateway yet" : $"last handshake {status.HandshakeAgeSeconds:F0} s ago");
        }

        if (Connection?.Controller.LastError is { } routes)
        {
            problems.Add($"routes: {routes.Message}");
        }

        return new HealthResponse(problems.Count == 0, problems);
    }

    /// <summary>The split-tunnel entries (the user's; system entries are not listed).</summary>
    public IReadOnlyList<SplitTunnelEntry> GetEntries() => [.. Settings.SplitTunnel.Select(ToEntry)];

    /// <summary>The per-domain DNS servers.</summary>
    public IReadOnlyList<FallbackDomainEntry> GetFallbackDomains() => [.. Settings.DnsFallbackDomains.Select(ToFallback)];

    /// <summary>The forwarder's default servers, as configured (empty: the tunnel's).</summary>
    public UpstreamsEntry GetUpstreams() => new([.. Settings.DnsUpstreams.Select(AgentSettings.FormatServer)]);

    /// <summary>Every setting with its effective value and source.</summary>
    public IReadOnlyList<SettingEntry> GetSettings()
    {
        var settings = Settings;
        return [.. AgentSettings.Names.Select(name => new SettingEntry(name, settings.Describe(name), AgentSettings.SourceName(settings.SourceOf(name)), IsLive(name)))];

        static bool IsLive(string name) => name is "mode" or "splitTunnel" or "dns.upstreams" or "dns.fallbackDomains";
    }

    /// <summary>The learned addresses, with the names claiming them.</summary>
    public IReadOnlyList<LearnedRouteEntry> GetRoutes()
    {
        if (Connection is not { } connection)
        {
            return [];
        }

        var now = connection.Controller.Now;
        return [.. connection.Controller.Router.GetLearnedRoutes()
            .OrderBy(route => route.Address.AddressFamily).ThenBy(route => route.Address, AddressComparer.Instance)
            .Select(route => new LearnedRouteEntry(
                route.Address.ToString(),
                DecisionName(route.Decision),
                [.. route.Claims.Select(claim => new LearnedRouteName(claim.Name, claim.Rule.ToString(), Seconds(claim.Expires - now)))],
                route.Claims.Count == 0 ? 0 : Seconds(route.Claims.Max(claim => claim.Expires) - now),
                route.LastActivity is { } activity ? Seconds(now - activity) : null,
                route.IsShadowed))];
    }

    /// <summary>Why a name or address goes where it goes: the live router when connected, else the configured policy.</summary>
    public ExplainResponse Explain(string target)
    {
        if (string.IsNullOrWhiteSpace(target))
        {
            throw AgentRequestException.BadRequest("name an address or a domain name to explain");
        }

        var settings = Settings;
        RouteExplanation explanation;
        try
        {
            explanation = Connection is { } connection
                ? (IPAddress.TryParse(target, out var address) ? connection.Controller.Router.Explain(address) : connection.Controller.Router.Explain(target))
                : (IPAddress.TryParse(target, out var offline) ? settings.ToPolicy(settings.DnsSystemRules()).Explain(offline) : settings.ToPolicy([]).Explain(target));
        }
        catch (ArgumentException exception)
        {
            throw AgentRequestException.BadRequest(exception.Message);
        }

        return new ExplainResponse(
            target,
            DecisionName(explanation.Decision),
            explanation.Source switch
            {
                RouteRuleSource.System => "system",
                RouteRuleSource.Domain => "domain",
                RouteRuleSource.LearnedAddress => "learned",
                RouteRuleSource.Prefix => "prefix",
                _ => "default",
            },
            explanation.Rule?.ToString(),
            explanation.Rule?.Description is { Length: > 0 } description ? description : null,
            explanation.Mode == SplitTunnelMode.Include ? "include" : "exclude",
            explanation.LearnedFrom,
            explanation.Expires is { } expires && Connection is { } live ? Seconds(expires - live.Controller.Now) : null,
            explanation.Reason);
    }

    /// <summary>Every counter.</summary>
    public StatsResponse GetStats()
    {
        var connection = Connection;
        TunnelStats? tunnel = null;
        RouterStats? routes = null;
        DnsStats? dns = null;
        if (connection is not null)
        {
            var host = connection.Host.GetStatistics();
            tunnel = new TunnelStats(host.DatagramsSent, host.BytesSent, host.DatagramsReceived, host.BytesReceived, host.TunnelPacketsRead, host.TunnelPacketsWritten, host.Handshakes,
                host.Drops.ToDictionary(drop => drop.Key.ToString(), drop => drop.Value));
            var router = connection.Controller.Router.Statistics;
            routes = new RouterStats(router.ResponsesInspected, router.ResponsesMatched, router.AddressesLearned, router.AddressesExpired, router.LearnedAddresses, router.LearnedNames,
                connection.Controller.ApplyFailures, router.DroppedOverNameLimit + router.DroppedOverTotalLimit);
            var forwarder = connection.Forwarder.Statistics;
            dns = new DnsStats(forwarder.UdpQueries, forwarder.TcpQueries, forwarder.Forwarded, forwarder.ForwardedToFallbackDomains, forwarder.UpstreamFailures, forwarder.ServerFailures,
                forwarder.CanaryAnswers, forwarder.MalformedQueries, forwarder.DroppedQueries, forwarder.RoutesLearned);
        }

        using var process = Process.GetCurrentProcess();
        var api = ApiConnections is { } connections ? new ApiStats(connections.Active, connections.Limit, connections.Rejected) : null;
        return new StatsResponse(tunnel, routes, dns, new ProcessStats(
            (_time.GetUtcNow() - Started).TotalSeconds, process.WorkingSet64, GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)), api);
    }

    /// <summary>The device's posture, collected now.</summary>
    public PostureResponse GetPosture()
    {
        var posture = _posture(Settings.TunnelKey?.PublicKey.ToString());
        return new PostureResponse(posture.OperatingSystem, posture.OperatingSystemVersion, posture.KernelVersion, posture.AgentVersion,
            CheckName(posture.DiskEncryption), CheckName(posture.Firewall), posture.PublicKey, posture.Details, _time.GetUtcNow());

        static string CheckName(PostureCheck check) => check switch
        {
            PostureCheck.Enabled => "enabled",
            PostureCheck.Disabled => "disabled",
            _ => "unknown",
        };
    }

    private static SplitTunnelEntry ToEntry(SplitTunnelRule rule) =>
        new(rule.ToString(), KindOf(rule), rule.Description is { Length: > 0 } description ? description : null);

    private static string KindOf(SplitTunnelRule rule) => rule.Prefix is not null ? "ip" : "host";

    private static FallbackDomainEntry ToFallback(Tunnel.Dns.DnsFallbackDomain domain) =>
        new(domain.Suffix, [.. domain.Servers.Select(AgentSettings.FormatServer)]);

    private static string DecisionName(RouteDecision decision) => decision == RouteDecision.Tunnel ? "tunnel" : "direct";

    private static double Seconds(TimeSpan span) => Math.Round(Math.Max(0, span.TotalSeconds), 1);

    private sealed class AddressComparer : IComparer<IPAddress>
    {
        public static readonly AddressComparer Instance = new();

        public int Compare(IPAddress? x, IPAddress? y) =>
            x is null || y is null ? Comparer<object>.Default.Compare(x, y) : x.GetAddressBytes().AsSpan().SequenceCompareTo(y.GetAddressBytes());
    }
}
