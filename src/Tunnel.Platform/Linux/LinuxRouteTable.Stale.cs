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
    /// and prohibit routes and its policy rules stay. This is what a service manager's clean-up step after a
    /// crash calls.
    /// </summary>
    /// <param name="options">The table, rule priority and protocol the earlier process used (the interface name is not looked up).</param>
    /// <returns>The number of rules and routes removed.</returns>
    /// <exception cref="LinuxNetlinkException">The kernel refused a dump or a deletion.</exception>
    public static int RemoveStale(LinuxRouteTableOptions options)
    {
        Validate(options);
        using var table = new LinuxRouteTable(options, RtNetlinkSocket.Open(), interfaceIndex: 0);
        return table.RemoveStale();
    }

    /// <summary>
    /// Removes what an earlier process or object with the same options left behind and this object did not
    /// install itself: the policy rules at this table's two priorities, pointing at this table or at
    /// <c>main</c>, and the routes in this table, in both families, but only those that carry
    /// <see cref="LinuxRouteTableOptions.Protocol"/>. Whatever else is there (another program's routes in the
    /// same table, a wg-quick tunnel's rules and table) is left exactly as it is. The firewall mark is not
    /// compared, so rules from a run with another mark are found too.
    /// </summary>
    /// <remarks>
    /// Rules carry the protocol only since Linux 4.17; on older kernels no rule is found and the rules of a
    /// crashed process stay until removed by hand.
    /// </remarks>
    /// <returns>The number of rules and routes removed.</returns>
    /// <exception cref="LinuxNetlinkException">The kernel refused a dump or a deletion.</exception>
    public int RemoveStale()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Options.Shared)
            {
                throw new InvalidOperationException($"Table {Options.TableId} is shared: what carries our protocol there may belong to another live tunnel.");
            }

            int removed = 0;
            foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
            {
                // Rules first, so no moment sends traffic to a table that is being emptied.
                foreach (var (kind, body) in DumpOurRules(family))
                {
                    if (_rules.Contains((family, kind)))
                    {
                        continue;
                    }

                    RtNetlinkRequests.DeleteDumped(_socket.Request, RTM_DELRULE, body);
                    int errno = _socket.Execute(out string? reason);
                    if (errno is not (0 or Errors.ENOENT))
                    {
                        throw new LinuxNetlinkException($"Removing a stale {Describe(family, kind)}", errno, reason);
                    }

                    removed++;
                }

                foreach (var (destination, body) in DumpOurRoutes(family))
                {
                    if (_routes.ContainsKey(destination))
                    {
                        continue;
                    }

                    RtNetlinkRequests.DeleteDumped(_socket.Request, RTM_DELROUTE, body);
                    int errno = _socket.Execute(out string? reason);
                    if (errno is not (0 or Errors.ESRCH or Errors.ENOENT))
                    {
                        throw new LinuxNetlinkException($"Removing stale route {destination} table {Options.TableId}", errno, reason);
                    }

                    removed++;
                }
            }

            return removed;
        }
    }

    /// <summary>The rules of one family that carry our protocol at our priorities, with the kernel's description of each.</summary>
    private List<(PolicyRuleKind Kind, byte[] Body)> DumpOurRules(AddressFamily family)
    {
        var rules = new List<(PolicyRuleKind, byte[])>();
        RtNetlinkRequests.DumpRules(_socket.Request, family);
        int errno = _socket.Dump((type, payload) =>
        {
            if (type != RTM_NEWRULE || payload.Length < Marshal.SizeOf<RuleMessage>())
            {
                return;
            }

            RuleMessage rule = MemoryMarshal.Read<RuleMessage>(payload);
            uint table = rule.Table, priority = 0;
            byte protocol = RTPROT_UNSPEC;
            var attributes = new NetlinkAttributeReader(payload, Marshal.SizeOf<RuleMessage>());
            while (attributes.TryRead(out ushort attribute, out var value))
            {
                if (attribute == FRA_TABLE && value.Length >= sizeof(uint))
                {
                    table = MemoryMarshal.Read<uint>(value);
                }
                else if (attribute == FRA_PRIORITY && value.Length >= sizeof(uint))
                {
                    priority = MemoryMarshal.Read<uint>(value);
                }
                else if (attribute == FRA_PROTOCOL && value.Length >= 1)
                {
                    protocol = value[0];
                }
            }

            if (protocol != Options.Protocol || rule.Family != RtNetlinkRequests.Family(family))
            {
                return;
            }

            if (priority == Priority(PolicyRuleKind.MainWithoutDefault) && table == RT_TABLE_MAIN)
            {
                rules.Add((PolicyRuleKind.MainWithoutDefault, payload.ToArray()));
            }
            else if (priority == Priority(PolicyRuleKind.UnmarkedToTable) && table == Options.TableId)
            {
                rules.Add((PolicyRuleKind.UnmarkedToTable, payload.ToArray()));
            }
        });
        if (errno != 0)
        {
            throw new LinuxNetlinkException($"Listing the {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} policy rules", errno, kernelMessage: null);
        }

        return rules;
    }

    /// <summary>The routes of this table for one family that carry our protocol, with the kernel's description of each.</summary>
    private List<(IPNetwork Destination, byte[] Body)> DumpOurRoutes(AddressFamily family)
    {
        var routes = new List<(IPNetwork, byte[])>();
        uint table = Options.TableId;
        RtNetlinkRequests.DumpRoutes(_socket.Request, family, table);
        int errno = _socket.Dump((type, payload) =>
        {
            if (DumpedRoute.TryRead(type, payload, out DumpedRoute route) && route.Table == table && route.Protocol == Options.Protocol
                && route.Family == RtNetlinkRequests.Family(family))
            {
                routes.Add((route.Destination, payload.ToArray()));
            }
        });
        if (errno != 0)
        {
            throw new LinuxNetlinkException($"Listing the routes of table {table}", errno, kernelMessage: null);
        }

        return routes;
    }
}
