namespace Tunnel.LocalApi;

/// <summary>
/// The local API's routes: JSON over HTTP/1.1 on the agent's UNIX socket, shared by the agent and
/// <c>tunnelctl</c> so the two cannot drift apart.
/// </summary>
internal static class LocalApiPaths
{
    /// <summary>
    /// Where the agent serves its API unless its configuration says otherwise, and where <c>tunnelctl</c> looks:
    /// the UNIX socket <c>/run/tunnel/agent.sock</c> on Linux, <c>/var/run/tunnel/agent.sock</c> on macOS (which has
    /// no <c>/run</c>), and on Windows the named pipe <c>\\.\pipe\tunnel-agent</c>, by its name.
    /// </summary>
    public static string DefaultSocket =>
        OperatingSystem.IsWindows() ? "tunnel-agent" : OperatingSystem.IsMacOS() ? "/var/run/tunnel/agent.sock" : "/run/tunnel/agent.sock";

    public const string Status = "/v1/status";
    public const string Connect = "/v1/connect";
    public const string Disconnect = "/v1/disconnect";
    public const string Mode = "/v1/mode";
    public const string SplitTunnel = "/v1/split-tunnel";
    public const string FallbackDomains = "/v1/dns/fallback-domains";
    public const string Upstreams = "/v1/dns/upstreams";
    public const string Settings = "/v1/settings";
    public const string Routes = "/v1/routes";
    public const string Explain = "/v1/explain";
    public const string Stats = "/v1/stats";
    public const string Watch = "/v1/watch";
    public const string Posture = "/v1/posture";
    public const string Health = "/v1/health";
}
