namespace Tunnel;

/// <summary>What <c>services.AddTunnel(...)</c> runs: the tunnel's configuration and whether to serve the UAPI.</summary>
public sealed class TunnelHostOptions
{
    /// <summary>The interface configuration the host starts with.</summary>
    public TunnelOptions Tunnel { get; set; } = new();

    /// <summary>Whether to serve the UAPI socket, so <c>wg</c> shows and configures the interface.</summary>
    public bool ServeUapi { get; set; }

    /// <summary>The UAPI socket path; by default <c>/var/run/wireguard/&lt;interface&gt;.sock</c>.</summary>
    public string? UapiSocketPath { get; set; }
}
