using Tunnel.Core.Routing.Internal;
namespace Tunnel.Routing.Internal;

/// <summary>The order route lists are shown in: IPv4 before IPv6, then by address, then by prefix length.</summary>
internal static class RouteOrder
{
    internal static PlannedRoute[] Sort(IEnumerable<PlannedRoute> routes) =>
        routes
            .Select(r => (Route: r, Key: PrefixKey.Create(r.Destination.BaseAddress, r.Destination.PrefixLength)))
            .OrderBy(r => r.Key.IsIPv6)
            .ThenBy(r => r.Key.Bits)
            .ThenBy(r => r.Key.Length)
            .Select(r => r.Route)
            .ToArray();
}
