using System.Net.Sockets;
using System.Runtime.Versioning;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>Which routing tables hold routes: how a full tunnel picks an empty table, as wg-quick does.</summary>
[SupportedOSPlatform("linux")]
internal static class RouteTableUsage
{
    /// <summary>The first table from <paramref name="first"/> up with no IPv4 or IPv6 route (one dump per family).</summary>
    public static uint FindUnused(uint first)
    {
        var used = new HashSet<uint>();
        using RtNetlinkSocket socket = RtNetlinkSocket.Open();
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            RtNetlinkRequests.DumpRoutes(socket.Request, family, RT_TABLE_UNSPEC);
            int errno = socket.Dump((type, payload) =>
            {
                if (DumpedRoute.TryRead(type, payload, out DumpedRoute route))
                {
                    used.Add(route.Table);
                }
            });
            if (errno != 0)
            {
                throw new LinuxNetlinkException("Listing the routes of every table", errno, kernelMessage: null);
            }
        }

        uint candidate = first;
        while (used.Contains(candidate))
        {
            candidate++;
        }

        return candidate;
    }
}
