namespace Tunnel.Controller;

/// <summary>The controller's settings: the <c>Controller</c> section (so also <c>Controller__...</c> environment variables).</summary>
internal sealed class ControllerOptions
{
    /// <summary><c>sqlite</c> (the default: a file beside the controller, nothing to install) or <c>postgres</c>.</summary>
    public string Database { get; set; } = "sqlite";

    /// <summary>The store's connection string; for SQLite by default <c>Data Source=controller.db</c> in the content root.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>An administrator token made at start (kept hashed) for <see cref="BootstrapAccount"/>, for scripts and the first start.</summary>
    public string? BootstrapToken { get; set; }

    /// <summary>The account <see cref="BootstrapToken"/> administers; made at start when missing.</summary>
    public string? BootstrapAccount { get; set; }

    /// <summary>The tunnel's address space; each device gets one address in it, the first is the gateway's.</summary>
    public string Network { get; set; } = "100.96.0.0/12";

    /// <summary>The gateway devices connect to.</summary>
    public GatewayOptions Gateway { get; set; } = new();

    /// <summary>How often an idle policy stream sends a keep-alive comment, so proxies and the agent know it lives.</summary>
    public TimeSpan StreamHeartbeat { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>The gateway (a tunnel daemon) that enrolled devices become peers of.</summary>
internal sealed class GatewayOptions
{
    /// <summary>The gateway's UAPI socket (for example <c>/var/run/wireguard/wg0.sock</c>); when set, enrolment adds the device as a peer and revocation removes it, at once.</summary>
    public string? Uapi { get; set; }

    /// <summary>The gateway's public key, base64 (read from the UAPI socket when that is set and this is not).</summary>
    public string? PublicKey { get; set; }

    /// <summary>Where devices reach the gateway, <c>host:port</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>What devices route to the gateway (their peer's <c>AllowedIPs</c>); the tunnel's address space by default.</summary>
    public List<string> AllowedIPs { get; set; } = [];

    /// <summary>The DNS servers devices use inside the tunnel.</summary>
    public List<string> Dns { get; set; } = [];

    /// <summary>The keepalive devices send, in seconds; 25 by default, 0 for none.</summary>
    public int PersistentKeepalive { get; set; } = 25;
}
