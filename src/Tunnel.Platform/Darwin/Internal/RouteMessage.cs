using System.Net;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>
/// One message of a <c>PF_ROUTE</c> socket, decoded: a route added, removed or answered (<c>RTM_ADD</c>,
/// <c>RTM_DELETE</c>, <c>RTM_GET</c>), or an interface's state (<c>RTM_IFINFO</c>, with its MTU).
/// </summary>
/// <param name="Type">The <c>RTM_*</c> type.</param>
/// <param name="Index">The interface index the message is about (<c>rtm_index</c>, <c>ifm_index</c>).</param>
/// <param name="Flags">The <c>RTF_*</c> flags of a route, or the <c>IFF_*</c> flags of an interface.</param>
/// <param name="ProcessId">The sender of a route message (0 for the kernel's own).</param>
/// <param name="Sequence">The sender's sequence number.</param>
/// <param name="Error">The errno the kernel answered a request with, or 0.</param>
/// <param name="Mtu">An interface's MTU (<c>RTM_IFINFO</c>) or a route's (<c>rmx_mtu</c>).</param>
/// <param name="Destination">The destination network, with the netmask's prefix length (a host route's is the full length); null when absent.</param>
/// <param name="Gateway">The next hop when it is an address; null for a route through an interface.</param>
/// <param name="GatewayInterface">The interface index a route's link-level gateway names, or 0.</param>
internal sealed record RouteMessage(byte Type, ushort Index, int Flags, int ProcessId, int Sequence, int Error, uint Mtu, IPNetwork? Destination, IPAddress? Gateway, ushort GatewayInterface);
