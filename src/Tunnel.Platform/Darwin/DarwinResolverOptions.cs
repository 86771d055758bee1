using System.Net;

namespace Tunnel.Platform.Darwin;

/// <summary>Options of a <see cref="DarwinResolverConfigurator"/>.</summary>
public sealed record DarwinResolverOptions
{
    /// <summary>The tunnel's interface, named in the state file and in the resolver files written.</summary>
    public string InterfaceName { get; init; } = "utun";

    /// <summary>
    /// Per-domain name servers: for each domain, a file <c>/etc/resolver/&lt;domain&gt;</c> that sends the names under
    /// it to these servers (macOS's own split DNS). Empty by default.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<IPAddress>> DomainServers { get; init; } = new Dictionary<string, IReadOnlyList<IPAddress>>();

    /// <summary>Where the per-domain resolver files go.</summary>
    public string ResolverDirectory { get; init; } = "/etc/resolver";

    /// <summary>
    /// Where what must be undone is kept until it is: the primary service's DNS settings as they were, and the
    /// files written. The resolver files outlive a reboot, so this does too.
    /// </summary>
    public string StatePath { get; init; } = "/Library/Application Support/Tunnel/resolver.state";

    /// <summary>The <c>scutil</c> program that reads and writes the SystemConfiguration dynamic store.</summary>
    public string ScutilPath { get; init; } = "/usr/sbin/scutil";
}
