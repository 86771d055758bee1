using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Linux;
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
                if (covered || type != RTM_NEWROUTE || payload.Length < Marshal.SizeOf<RouteMessage>())
                {
                    return;
                }

                RouteMessage route = MemoryMarshal.Read<RouteMessage>(payload);
                uint routeTable = route.Table;
                int outputInterface = 0;
                ReadOnlySpan<byte> address = default;
                var attributes = new NetlinkAttributeReader(payload, Marshal.SizeOf<RouteMessage>());
                while (attributes.TryRead(out ushort attribute, out var value))
                {
                    if (attribute == RTA_TABLE && value.Length >= sizeof(uint))
                    {
                        routeTable = MemoryMarshal.Read<uint>(value);
                    }
                    else if (attribute == RTA_OIF && value.Length >= sizeof(int))
                    {
                        outputInterface = MemoryMarshal.Read<int>(value);
                    }
                    else if (attribute == RTA_DST)
                    {
                        address = value;
                    }
                }

                int width = family == AddressFamily.InterNetwork ? 4 : 16;
                if (routeTable != table || outputInterface != InterfaceIndex || route.Type != RTN_UNICAST || route.Family != RtNetlinkRequests.Family(family)
                    || (address.Length != 0 && address.Length != width) || route.DestinationLength > destination.PrefixLength)
                {
                    return;
                }

                var prefix = new IPNetwork(address.IsEmpty ? new IPAddress(new byte[width]) : new IPAddress(address), route.DestinationLength);
                covered = prefix.Contains(destination.BaseAddress);
            });
            if (errno != 0)
            {
                throw new LinuxNetlinkException($"Listing the routes of table {table}", errno, kernelMessage: null);
            }

            return covered;
        }
    }
}
