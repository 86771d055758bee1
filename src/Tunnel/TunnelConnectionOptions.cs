using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Tunnel.Connections;

namespace Tunnel;

/// <summary>How <see cref="TunnelConnection.OpenAsync"/> brings a configuration up.</summary>
public sealed record TunnelConnectionOptions
{
    /// <summary>
    /// The interface's name (for example <c>wg0</c>), as <c>wg-quick up wg0</c> takes it from the file name. macOS names
    /// utun interfaces itself: there, <c>utunN</c> asks for that unit and any other name gets the next free one
    /// (<see cref="TunnelConnection.InterfaceName"/> says which).
    /// </summary>
    public required string InterfaceName { get; init; }

    /// <summary>
    /// The operating system's adapters: <c>SystemTunnelPlatform.Current</c> from <c>Tunnel.Platform</c> for the
    /// running OS, or an implementation of your own.
    /// </summary>
    public required ITunnelPlatform Platform { get; init; }

    /// <summary>
    /// Whether the configuration's <c>DNS =</c> servers and search domains are given to the system resolver
    /// while the connection is up (as wg-quick does through <c>resolvconf</c>), unless the <see cref="Routing"/>
    /// points the resolver somewhere itself. True by default.
    /// </summary>
    public bool ConfigureDns { get; init; } = true;

    /// <summary>
    /// Whether each route out of the interface has a refusing route behind it that outlives the process, so a
    /// crash leaves traffic meant for the tunnel refused rather than sent directly. True by default; wg-quick
    /// has no equivalent.
    /// </summary>
    public bool FailClosed { get; init; } = true;

    /// <summary>
    /// What steers traffic into the interface instead of wg-quick's routes for the allowed IPs (a split-tunnel
    /// router, for example); null for wg-quick's routes. A routing serves one connection: give each a new one.
    /// </summary>
    public ITunnelRouting? Routing { get; init; }

    /// <summary>Where the connection's parts log; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock for the tunnel's timers; the system's when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Where the tunnel's metrics go; a meter of its own when null.</summary>
    public IMeterFactory? MeterFactory { get; init; }
}
