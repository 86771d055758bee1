namespace Tunnel.DependencyInjection;

/// <summary>
/// What <c>services.AddTunnelConnection(...)</c> brings up, bindable from configuration (an <c>appsettings.json</c>
/// section such as <c>"Tunnel": { "ConfigurationFile": "/etc/wireguard/wg0.conf" }</c>).
/// </summary>
public sealed class TunnelConnectionServiceOptions
{
    /// <summary>
    /// The wg-quick <c>.conf</c> file to bring up when the host starts; its private key is read from it then.
    /// Required when <see cref="OpenOnStart"/> is true.
    /// </summary>
    public string? ConfigurationFile { get; set; }

    /// <summary>
    /// Whether the host's start opens <see cref="ConfigurationFile"/>. True by default; false for an application that
    /// connects and disconnects on demand through <see cref="TunnelConnectionService.OpenAsync"/> and
    /// <see cref="TunnelConnectionService.CloseAsync"/> (the host's stop still closes what is open).
    /// </summary>
    public bool OpenOnStart { get; set; } = true;

    /// <summary>The interface's name; by default the file's name without <c>.conf</c>, as wg-quick names it. Required without a file.</summary>
    public string? InterfaceName { get; set; }

    /// <summary>Whether the file's <c>DNS =</c> line configures the system resolver (see <see cref="TunnelConnectionOptions.ConfigureDns"/>). True by default.</summary>
    public bool ConfigureDns { get; set; } = true;

    /// <summary>Whether routes out of the interface have refusing routes behind them (see <see cref="TunnelConnectionOptions.FailClosed"/>). True by default.</summary>
    public bool FailClosed { get; set; } = true;

    /// <summary>Whether to serve the UAPI socket, so <c>wg</c> shows and configures the interface.</summary>
    public bool ServeUapi { get; set; }

    /// <summary>The UAPI socket path; by default <c>/var/run/wireguard/&lt;interface&gt;.sock</c>.</summary>
    public string? UapiSocketPath { get; set; }

    /// <summary>The interface name these options give: <see cref="InterfaceName"/>, else the file's name without its extension.</summary>
    internal string ResolveInterfaceName() =>
        InterfaceName is { Length: > 0 } name ? name : Path.GetFileNameWithoutExtension(ConfigurationFile ?? string.Empty);
}
