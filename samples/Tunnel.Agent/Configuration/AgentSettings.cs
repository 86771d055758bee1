using System.Globalization;
using System.Net;
using Tunnel.Configuration;
using Tunnel.Dns;
using Tunnel.Routing;

namespace Tunnel.Agent.Configuration;

/// <summary>
/// The agent's configuration, validated and typed: what <see cref="AgentConfigurationLoader"/> makes of the
/// JSON file, and what the local API changes (each change recorded in <see cref="Sources"/>).
/// </summary>
internal sealed record AgentSettings
{
    public const string DefaultInterface = "tunnel0";
    public static string DefaultApiSocket => global::Tunnel.LocalApi.LocalApiPaths.DefaultSocket;

    /// <summary>
    /// Where the forwarder listens when the file does not say and the resolver file is rewritten: a loopback
    /// address of its own, clear of systemd-resolved's stub (127.0.0.53 and 127.0.0.54); on macOS, whose loopback
    /// interface has only 127.0.0.1 unless given aliases, that address.
    /// </summary>
    public static readonly IPEndPoint DefaultDnsListen = new(IPAddress.Parse(OperatingSystem.IsMacOS() ? "127.0.0.1" : "127.0.2.2"), 53);

    /// <summary>The TUN interface's name.</summary>
    public string Interface { get; init; } = DefaultInterface;

    /// <summary>The tunnel: addresses, MTU and the gateway peer, in wg-quick's terms, without the private key (see <see cref="TunnelKey"/>).</summary>
    public WireGuardConfiguration? Tunnel { get; init; }

    /// <summary>The mode.</summary>
    public AgentMode Mode { get; init; } = AgentMode.Exclude;

    /// <summary>The user's split-tunnel entries (system entries are added when connecting).</summary>
    public IReadOnlyList<SplitTunnelRule> SplitTunnel { get; init; } = [];

    /// <summary>Where the DNS forwarder listens; <see langword="null"/> chooses by the resolver (see <see cref="EffectiveDnsListen"/>).</summary>
    public IPEndPoint? DnsListen { get; init; }

    /// <summary>How the system resolver is pointed at the forwarder.</summary>
    public AgentResolver Resolver { get; init; } = AgentResolver.Auto;

    /// <summary>The forwarder's default upstream servers; when empty, the tunnel's <c>DNS =</c> servers.</summary>
    public IReadOnlyList<IPEndPoint> DnsUpstreams { get; init; } = [];

    /// <summary>Per-domain DNS servers.</summary>
    public IReadOnlyList<DnsFallbackDomain> DnsFallbackDomains { get; init; } = [];

    /// <summary>
    /// DNS servers (default or per-domain) the operator sends direct even though the tunnel's allowed IPs
    /// cover them; every other server inside the allowed IPs is asked through the tunnel.
    /// </summary>
    public IReadOnlyList<IPAddress> DnsDirect { get; init; } = [];

    /// <summary>The resolver file pointed at the forwarder while connected.</summary>
    public string ResolvConf { get; init; } = "/etc/resolv.conf";

    /// <summary>Where the resolver file's original is kept while connected, so even a crash can be undone.</summary>
    public string ResolvConfBackup { get; init; } = "/var/lib/tunnel/resolv.conf.saved";

    /// <summary>Where changes made through the local API are kept across restarts (see <see cref="AgentLocalSettings"/>).</summary>
    public string LocalSettingsFile { get; init; } = "/var/lib/tunnel/local-settings.json";

    /// <summary>The local API's UNIX socket.</summary>
    public string ApiSocket { get; init; } = DefaultApiSocket;

    /// <summary>The group whose members may use the local API besides root; none when <see langword="null"/>.</summary>
    public string? ApiGroup { get; init; }

    /// <summary>The members of this group may also change settings and connect (<c>api.group</c>'s may only read); none when <see langword="null"/>.</summary>
    public string? ApiAdminGroup { get; init; }

    /// <summary>Where the tunnel's private key is read at each connect (<see cref="Tunnel"/> holds none); null without a tunnel.</summary>
    public TunnelKeySource? TunnelKey { get; init; }

    /// <summary>The wg-quick file the tunnel was read from; <see langword="null"/> when the configuration held its text.</summary>
    public string? TunnelFile { get; init; }

    /// <summary>The controller this device is enrolled with, whose policy it applies; none when <see langword="null"/>.</summary>
    public ControllerSettings? Controller { get; init; }

    /// <summary>What reading the configuration found worth saying without refusing it (a key file others can read).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Where each setting's value came from, by its name in the file (<c>mode</c>, <c>dns.listen</c>, ...).</summary>
    public IReadOnlyDictionary<string, SettingSource> Sources { get; init; } = new Dictionary<string, SettingSource>();

    /// <summary>The names of every setting, in the order <c>tunnelctl settings</c> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["interface", "tunnel", "mode", "splitTunnel", "dns.listen", "dns.upstreams", "dns.fallbackDomains", "dns.direct", "dns.resolver", "dns.resolvConf", "dns.resolvConfBackup", "api.socket", "api.group", "api.adminGroup", "localSettings", "controller"];

    /// <summary>The source of one setting (the default when the file did not name it).</summary>
    public SettingSource SourceOf(string name) => Sources.TryGetValue(name, out var source) ? source : SettingSource.Default;

    /// <summary>These settings with one changed through the local API.</summary>
    public AgentSettings WithLocalChange(string name, Func<AgentSettings, AgentSettings> change)
    {
        var changed = change(this);
        var sources = new Dictionary<string, SettingSource>(Sources) { [name] = SettingSource.Local };
        return changed with { Sources = sources };
    }

    /// <summary>
    /// Where the forwarder listens: the configured address, else, for systemd-resolved (which asks a link's
    /// servers over that link), the tunnel's own address, else <see cref="DefaultDnsListen"/>.
    /// </summary>
    public IPEndPoint EffectiveDnsListen(bool viaSystemdResolved) =>
        DnsListen
        ?? (viaSystemdResolved && Tunnel?.Interface.Addresses is { Count: > 0 } addresses
            ? new IPEndPoint(addresses[0].Address, 53)
            : DefaultDnsListen);

    /// <summary>The resolver to use: <see cref="Resolver"/>, with <see cref="AgentResolver.Auto"/> decided by whether systemd-resolved runs.</summary>
    public AgentResolver EffectiveResolver(bool systemdResolvedRuns) =>
        Resolver == AgentResolver.Auto ? (systemdResolvedRuns ? AgentResolver.SystemdResolved : AgentResolver.ResolvConf) : Resolver;

    /// <summary>The upstream servers the forwarder uses: the configured ones, else the tunnel's.</summary>
    public IReadOnlyList<IPEndPoint> EffectiveUpstreams() =>
        DnsUpstreams.Count > 0
            ? DnsUpstreams
            : [.. (Tunnel?.Interface.DnsServers ?? []).Select(server => new IPEndPoint(server, 53))];

    /// <summary>
    /// Which way the forwarder's queries to a DNS server go: direct when the operator listed it in
    /// <see cref="DnsDirect"/> or the tunnel's allowed IPs do not cover it, else through the tunnel, so a
    /// resolver inside the tunnel (the usual <c>DNS =</c>) is never asked in clear on the physical link.
    /// </summary>
    /// <returns>The decision and why, as <c>explain</c> and <c>settings</c> show it.</returns>
    public (RouteDecision Decision, string Reason) DnsServerRoute(IPAddress server)
    {
        server = server.IsIPv4MappedToIPv6 ? server.MapToIPv4() : server;
        if (DnsDirect.Contains(server))
        {
            return (RouteDecision.Direct, "a DNS server sent direct by dns.direct");
        }

        bool covered = Tunnel?.Peers.Any(peer => peer.AllowedIps.Any(allowed => allowed.Contains(server))) ?? false;
        return covered
            ? (RouteDecision.Tunnel, "a DNS server inside the tunnel's allowed IPs, asked through the tunnel")
            : (RouteDecision.Direct, "a DNS server outside the tunnel's allowed IPs, asked direct");
    }

    /// <summary>One system entry per DNS server the forwarder may ask (default and per-domain), routed by <see cref="DnsServerRoute"/>.</summary>
    public IReadOnlyList<SplitTunnelRule> DnsSystemRules() =>
        [.. EffectiveUpstreams().Concat(DnsFallbackDomains.SelectMany(domain => domain.Servers))
            .Select(server => server.Address.IsIPv4MappedToIPv6 ? server.Address.MapToIPv4() : server.Address)
            .Distinct()
            .Select(address =>
            {
                var (decision, reason) = DnsServerRoute(address);
                return SplitTunnelRule.ForSystem(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128), decision, reason);
            })];

    /// <summary>A DNS server with the way its queries go, as <c>settings</c> lists it.</summary>
    private string FormatRoutedServer(IPEndPoint server) =>
        $"{FormatServer(server)} ({(DnsServerRoute(server.Address).Decision == RouteDecision.Tunnel ? "through the tunnel" : "direct")})";

    /// <summary>The split-tunnel policy for the mode, with the system entries the connection needs.</summary>
    /// <param name="system">The tunnel's endpoints and the forwarder's upstreams, as system entries.</param>
    public SplitTunnelPolicy ToPolicy(IEnumerable<SplitTunnelRule> system) =>
        new(Mode == AgentMode.Include ? SplitTunnelMode.Include : SplitTunnelMode.Exclude, [.. SplitTunnelRule.LinkLocalAndMulticast, .. system.DistinctBy(rule => rule.Prefix), .. SplitTunnel]);

    /// <summary>A source as the local API and <c>check-config</c> name it: <c>default</c>, <c>config-file</c>, <c>local</c> or <c>policy</c>.</summary>
    public static string SourceName(SettingSource source) => source switch
    {
        SettingSource.ConfigFile => "config-file",
        SettingSource.Local => "local",
        SettingSource.Policy => "policy",
        _ => "default",
    };

    /// <summary>A DNS server as the file writes it: the address alone when the port is 53.</summary>
    public static string FormatServer(IPEndPoint server) => server.Port == 53 ? server.Address.ToString() : server.ToString();

    /// <summary>One setting's effective value in one line.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="name"/> is not one of <see cref="Names"/>.</exception>
    public string Describe(string name) => name switch
    {
        "interface" => Interface,
        "tunnel" => Tunnel is { } tunnel
            ? string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", tunnel.Interface.Addresses)} via {(tunnel.Peers.Count > 0 ? tunnel.Peers[0].Endpoint?.ToString() : null) ?? "no gateway"}")
            : "(none)",
        "mode" => AgentConfigurationLoader.FormatMode(Mode),
        "splitTunnel" => SplitTunnel.Count == 0 ? "(none)" : string.Join(", ", SplitTunnel),
        "dns.listen" => DnsListen?.ToString() ?? $"(automatic: {DefaultDnsListen}, or the tunnel's address with systemd-resolved)",
        "dns.resolver" => AgentConfigurationLoader.FormatResolver(Resolver),
        "dns.upstreams" => DnsUpstreams.Count > 0
            ? string.Join(", ", DnsUpstreams.Select(FormatRoutedServer))
            : EffectiveUpstreams() is { Count: > 0 } fromTunnel ? $"{string.Join(", ", fromTunnel.Select(FormatRoutedServer))}, the tunnel's DNS" : "(none)",
        "dns.fallbackDomains" => DnsFallbackDomains.Count == 0
            ? "(none)"
            : string.Join("; ", DnsFallbackDomains.Select(domain => $"{domain.Suffix} -> {string.Join(", ", domain.Servers.Select(FormatRoutedServer))}")),
        "dns.direct" => DnsDirect.Count == 0 ? "(none: servers inside the tunnel's allowed IPs are asked through it)" : string.Join(", ", DnsDirect),
        "dns.resolvConf" => ResolvConf,
        "dns.resolvConfBackup" => ResolvConfBackup,
        "api.socket" => ApiSocket,
        "localSettings" => LocalSettingsFile,
        "api.group" => ApiGroup ?? "(root only)",
        "api.adminGroup" => ApiAdminGroup ?? "(root only)",
        "controller" => Controller is { } controller ? controller.Url.ToString() : "(none: settings are the device's own)",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a setting."),
    };
}
