using System.Net;

namespace Tunnel.Connections;

/// <summary>A route out of the tunnel interface.</summary>
/// <param name="Destination">The prefix.</param>
/// <param name="Table">The routing table; null for the system's main table.</param>
public readonly record struct TunnelRoute(IPNetwork Destination, uint? Table = null);
