namespace Tunnel.LocalApi;

/// <summary><c>PUT /v1/mode</c>: <c>exclude</c>, <c>include</c> or <c>posture-only</c>.</summary>
internal sealed record ModeRequest(string Mode);

/// <summary>
/// One split-tunnel entry (<c>GET/POST /v1/split-tunnel</c>; <c>DELETE /v1/split-tunnel?entry=...</c>).
/// <see cref="Kind"/> is <c>ip</c> for an address or prefix and <c>host</c> for a domain pattern.
/// </summary>
internal sealed record SplitTunnelEntry(string Entry, string Kind, string? Description);

/// <summary><c>POST /v1/split-tunnel</c>: an address, prefix or domain pattern; <see cref="Kind"/>, when given, must match it.</summary>
internal sealed record SplitTunnelEntryRequest(string Entry, string? Description = null, string? Kind = null);

/// <summary>A per-domain DNS server list (<c>GET/POST /v1/dns/fallback-domains</c>; <c>DELETE ...?suffix=...</c>).</summary>
internal sealed record FallbackDomainEntry(string Suffix, IReadOnlyList<string> Servers);

/// <summary><c>GET/PUT /v1/dns/upstreams</c>: the forwarder's default servers (address, or address:port); an empty list means the tunnel's <c>DNS =</c> servers.</summary>
internal sealed record UpstreamsEntry(IReadOnlyList<string> Servers);

/// <summary>One setting in <c>GET /v1/settings</c>: its effective value and where it came from.</summary>
/// <param name="Source"><c>default</c>, <c>config-file</c> or <c>local</c>.</param>
/// <param name="Live">Whether the local API can change it without a restart.</param>
/// <param name="Name">Its name in the configuration file (<c>mode</c>, <c>dns.upstreams</c>, ...).</param>
/// <param name="Value">The effective value, as text.</param>
internal sealed record SettingEntry(string Name, string Value, string Source, bool Live);
