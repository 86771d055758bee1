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
    /// Removes what an earlier process with these options left behind, as <see cref="RemoveStale()"/> does,
    /// without needing the interface: after a crash the TUN device is gone with its process, but its throw
    /// routes and policy rules stay. This is what a service manager's clean-up step after a crash calls.
    /// </summary>
    /// <param name="options">The table, mark and rule priority the earlier process used (the interface name is not looked up).</param>
    /// <returns>The number of rules and routes removed.</returns>
    /// <exception cref="LinuxNetlinkException">The kernel refused a dump or a deletion.</exception>
    public static int RemoveStale(LinuxRouteTableOptions options)
    {
        Validate(options);
        using var table = new LinuxRouteTable(options, RtNetlinkSocket.Open(), interfaceIndex: 0);
        return table.RemoveStale();
    }

    /// <summary>
    /// Removes what an earlier process with the same options left behind when it died without
    /// <see cref="Dispose"/>: the policy rules at this table's two priorities that point where this table's
    /// rules point, and every route in the table, in both families. The kernel removes a tunnel route with
    /// its interface, but throw routes and rules outlive the process; an agent calls this before it
    /// installs anything, so a crash leaves nothing for long.
    /// </summary>
    /// <returns>The number of rules and routes removed.</returns>
    /// <exception cref="LinuxNetlinkException">The kernel refused a dump or a deletion.</exception>
    public int RemoveStale()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int removed = 0;
            foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
            {
                // The rule that sends traffic to the table goes before the one that keeps the main table.
                foreach (var kind in new[] { PolicyRuleKind.UnmarkedToTable, PolicyRuleKind.MainWithoutDefault })
                {
                    while (true)
                    {
                        RtNetlinkRequests.Rule(_socket.Request, add: false, family, kind, Priority(kind), Options.TableId, Options.FirewallMark);
                        int errno = _socket.Execute(out string? reason);
                        if (errno == Errors.ENOENT)
                        {
                            break;
                        }

                        if (errno != 0)
                        {
                            throw new LinuxNetlinkException($"Removing a stale {Describe(family, kind)}", errno, reason);
                        }

                        _rules.Remove((family, kind));
                        removed++;
                    }
                }

                foreach (var destination in DumpTable(family))
                {
                    int errno = DeleteRoute(destination, out string? reason);
                    if (errno != 0)
                    {
                        throw new LinuxNetlinkException($"Removing stale route {destination} table {Options.TableId}", errno, reason);
                    }

                    _routes.Remove(destination);
                    removed++;
                }
            }

            return removed;
        }
    }

    /// <summary>The destinations of every route in this table for one family.</summary>
    private List<IPNetwork> DumpTable(AddressFamily family)
    {
        var destinations = new List<IPNetwork>();
        uint table = Options.TableId;
        RtNetlinkRequests.DumpRoutes(_socket.Request, family, table);
        int errno = _socket.Dump((type, payload) =>
        {
            if (type != RTM_NEWROUTE || payload.Length < Marshal.SizeOf<RouteMessage>())
            {
                return;
            }

            RouteMessage route = MemoryMarshal.Read<RouteMessage>(payload);
            uint routeTable = route.Table;
            ReadOnlySpan<byte> destination = default;
            var attributes = payload[NetlinkMessageHeader.Align(Marshal.SizeOf<RouteMessage>())..];
            while (attributes.Length >= RouteAttribute.Size)
            {
                RouteAttribute attribute = MemoryMarshal.Read<RouteAttribute>(attributes);
                if (attribute.Length < RouteAttribute.Size || attribute.Length > attributes.Length)
                {
                    break;
                }

                var value = attributes[RouteAttribute.Size..attribute.Length];
                if (attribute.Type == RTA_TABLE && value.Length >= sizeof(uint))
                {
                    routeTable = MemoryMarshal.Read<uint>(value);
                }
                else if (attribute.Type == RTA_DST)
                {
                    destination = value;
                }

                attributes = attributes[Math.Min(NetlinkMessageHeader.Align(attribute.Length), attributes.Length)..];
            }

            int width = route.Family == AF_INET ? 4 : 16;
            if (routeTable != table || route.Family != RtNetlinkRequests.Family(family) || (destination.Length != 0 && destination.Length != width))
            {
                return;
            }

            // No destination attribute is the default route of the family.
            var address = destination.IsEmpty ? new IPAddress(new byte[width]) : new IPAddress(destination);
            destinations.Add(new IPNetwork(address, route.DestinationLength));
        });
        if (errno != 0)
        {
            throw new LinuxNetlinkException($"Listing the routes of table {table}", errno, kernelMessage: null);
        }

        return destinations;
    }
}
