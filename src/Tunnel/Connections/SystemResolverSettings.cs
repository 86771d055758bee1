using System.Net;

namespace Tunnel.Connections;

/// <summary>What the system resolver is pointed at while an agent is connected.</summary>
/// <param name="Nameservers">The name servers, in order: usually the agent's forwarder alone.</param>
/// <param name="SearchDomains">Domains appended to single-label names.</param>
public sealed record SystemResolverSettings(IReadOnlyList<IPAddress> Nameservers, IReadOnlyList<string> SearchDomains);
