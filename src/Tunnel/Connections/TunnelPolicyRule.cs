using System.Net.Sockets;

namespace Tunnel.Connections;

/// <summary>
/// wg-quick's full-tunnel rules for one address family: <c>lookup main suppress_prefixlength 0</c>, then
/// <c>not fwmark M lookup T</c>.
/// </summary>
/// <param name="Family"><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/>.</param>
/// <param name="Table">The table that holds the default route out of the tunnel.</param>
/// <param name="FirewallMark">The mark on the tunnel's own datagrams, which the rule lets past.</param>
public readonly record struct TunnelPolicyRule(AddressFamily Family, uint Table, uint FirewallMark);
