using System.Net;

namespace Tunnel.Platform.Windows;

/// <summary>Options of a <see cref="WindowsResolverConfigurator"/>.</summary>
public sealed record WindowsResolverOptions
{
    /// <summary>The tunnel's adapter, whose DNS servers are set, and whose name marks the rules written.</summary>
    public string InterfaceName { get; init; } = "wg0";

    /// <summary>
    /// Per-domain name servers, as Name Resolution Policy Table rules: the names under each domain go to its servers,
    /// whatever the interfaces' own servers are. Empty by default.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<IPAddress>> DomainServers { get; init; } = new Dictionary<string, IReadOnlyList<IPAddress>>();
}
