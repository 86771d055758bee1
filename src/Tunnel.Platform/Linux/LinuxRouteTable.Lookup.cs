using System.Net;
using System.Net.Sockets;
using Tunnel.Platform.Linux.Internal;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux;

public sealed partial class LinuxRouteTable
{
    /// <summary>
    /// Whether the table already routes all of <paramref name="destination"/> out of the interface, by a route
    /// of any origin (the kernel's prefix route for an interface address, for example): wg-quick's
    /// <c>ip route show dev wg0 match P</c>, which lets it skip adding a route that would change nothing.
    /// </summary>
    /// <param name="destination">The prefix.</param>
    /// <returns>Whether a route out of the interface covers it.</returns>
    /// <exception cref="LinuxNetlinkException">The kernel refused the dump.</exception>
    public bool RoutesOutOfInterface(IPNetwork destination)
    {
        ValidateDestination(destination);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            AddressFamily family = destination.BaseAddress.AddressFamily;
            uint table = Options.TableId;
            bool covered = false;
            RtNetlinkRequests.DumpRoutes(_socket.Request, family, table);
            int errno = _socket.Dump((type, payload) =>
            {
                if (!covered && DumpedRoute.TryRead(type, payload, out DumpedRoute route) && route.Table == table && route.OutputInterface == InterfaceIndex
                    && route.Type == RTN_UNICAST && route.Family == RtNetlinkRequests.Family(family) && route.Destination.PrefixLength <= destination.PrefixLength)
                {
                    covered = route.Destination.Contains(destination.BaseAddress);
                }
            });
            if (errno != 0)
            {
                throw new LinuxNetlinkException($"Listing the routes of table {table}", errno, kernelMessage: null);
            }

            return covered;
        }
    }
}
