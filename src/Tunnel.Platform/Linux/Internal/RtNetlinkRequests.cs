using System.Net;
using System.Net.Sockets;
using Tunnel.Platform.Interop.Linux;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>Lays out the rtnetlink requests the route table sends, as iproute2's <c>ip</c> would send them.</summary>
internal static class RtNetlinkRequests
{
    private const ushort Acknowledged = NLM_F_REQUEST | NLM_F_ACK;

    /// <summary>Which table a fixed header can name: ids past 255 only fit the 32-bit attribute, and the byte then says "see the attribute".</summary>
    public static byte TableByte(uint table) => table < 256 ? (byte)table : (byte)RT_TABLE_UNSPEC;

    public static byte Family(AddressFamily family) => family == AddressFamily.InterNetwork ? (byte)AF_INET : (byte)AF_INET6;

    /// <summary><c>RTM_GETLINK</c> by name; the reply starts with an <c>ifinfomsg</c> holding the index.</summary>
    public static void GetLink(NetlinkRequest request, string name) =>
        request.Start(RTM_GETLINK, Acknowledged)
            .Append(new LinkMessage { Family = AF_UNSPEC })
            .Attribute(IFLA_IFNAME, name);

    /// <summary><c>ip link set dev X up</c>.</summary>
    public static void SetLinkUp(NetlinkRequest request, int interfaceIndex) =>
        request.Start(RTM_NEWLINK, Acknowledged)
            .Append(new LinkMessage { Family = AF_UNSPEC, InterfaceIndex = interfaceIndex, Flags = IFF_UP, Change = IFF_UP });

    /// <summary>
    /// <c>ip address replace A/L dev X</c> or <c>ip address del A/L dev X</c>: the address as both local and
    /// peer address, which is how the kernel reads "no peer".
    /// </summary>
    public static void Address(NetlinkRequest request, bool add, int interfaceIndex, IPAddress address, int prefixLength) =>
        request.Start(add ? RTM_NEWADDR : RTM_DELADDR, add ? (ushort)(Acknowledged | NLM_F_CREATE | NLM_F_REPLACE) : Acknowledged)
            .Append(new AddressMessage
            {
                Family = Family(address.AddressFamily),
                PrefixLength = (byte)prefixLength,
                Scope = RT_SCOPE_UNIVERSE,
                InterfaceIndex = (uint)interfaceIndex,
            })
            .Attribute(IFA_LOCAL, address)
            .Attribute(IFA_ADDRESS, address);

    /// <summary>
    /// <c>ip route replace P dev X table T proto N</c> (a link-scope route with no gateway),
    /// <c>ip route replace throw P table T proto N</c> or <c>ip route replace prohibit P table T proto N</c>.
    /// Replacing makes adding idempotent and lets a prefix change kind in one step; the protocol marks the
    /// route as ours, so clean-up can tell it from anyone else's. A metric (<c>RTA_PRIORITY</c>) is given only
    /// for a route meant to sit behind another at the same prefix; without one the kernel's default applies
    /// (0 for IPv4, 1024 for IPv6).
    /// </summary>
    public static void AddRoute(NetlinkRequest request, IPNetwork destination, LinuxRouteKind kind, uint table, int interfaceIndex, byte protocol, uint? metric = null, bool exclusive = false)
    {
        bool tunnel = kind == LinuxRouteKind.Tunnel;
        request.Start(RTM_NEWROUTE, (ushort)(Acknowledged | NLM_F_CREATE | (exclusive ? NLM_F_EXCL : NLM_F_REPLACE)))
            .Append(new RouteMessage
            {
                Family = Family(destination.BaseAddress.AddressFamily),
                DestinationLength = (byte)destination.PrefixLength,
                Table = TableByte(table),
                Protocol = protocol,
                Scope = tunnel ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
                Type = kind switch
                {
                    LinuxRouteKind.Tunnel => RTN_UNICAST,
                    LinuxRouteKind.Blocked => RTN_PROHIBIT,
                    _ => RTN_THROW,
                },
            })
            .Attribute(RTA_TABLE, table)
            .Attribute(RTA_DST, destination.BaseAddress);
        if (tunnel)
        {
            request.Attribute(RTA_OIF, (uint)interfaceIndex);
        }

        if (metric is { } priority)
        {
            request.Attribute(RTA_PRIORITY, priority);
        }
    }

    /// <summary><c>ip route show table T</c> for one family: a dump of routes (the kernel may send other tables' too).</summary>
    public static void DumpRoutes(NetlinkRequest request, AddressFamily family, uint table) =>
        request.Start(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP)
            .Append(new RouteMessage { Family = Family(family), Table = TableByte(table) })
            .Attribute(RTA_TABLE, table);

    /// <summary>
    /// <c>ip route del P table T proto N</c>: any type, scope and device, so one request removes either kind
    /// of route, but only one with our protocol. Without a metric the kernel takes the prefix's route with the
    /// lowest metric.
    /// </summary>
    public static void DeleteRoute(NetlinkRequest request, IPNetwork destination, uint table, byte protocol, uint? metric = null)
    {
        request.Start(RTM_DELROUTE, Acknowledged)
            .Append(new RouteMessage
            {
                Family = Family(destination.BaseAddress.AddressFamily),
                DestinationLength = (byte)destination.PrefixLength,
                Table = TableByte(table),
                Protocol = protocol,
                Scope = RT_SCOPE_NOWHERE,
                Type = RTN_UNSPEC,
            })
            .Attribute(RTA_TABLE, table)
            .Attribute(RTA_DST, destination.BaseAddress);
        if (metric is { } priority)
        {
            request.Attribute(RTA_PRIORITY, priority);
        }
    }

    /// <summary><c>ip rule show</c> for one family: a dump of every rule.</summary>
    public static void DumpRules(NetlinkRequest request, AddressFamily family) =>
        request.Start(RTM_GETRULE, NLM_F_REQUEST | NLM_F_DUMP)
            .Append(new RuleMessage { Family = Family(family) });

    /// <summary>Deletes the route or rule a dump described (<paramref name="body"/>: its fixed part and attributes), as the flush commands of <c>ip</c> do.</summary>
    public static void DeleteDumped(NetlinkRequest request, ushort deleteType, ReadOnlySpan<byte> body) =>
        request.Start(deleteType, Acknowledged).Echo(body);

    /// <summary>
    /// <c>ip rule add|del pref P lookup main suppress_prefixlength 0 protocol N</c>, or
    /// <c>ip rule add|del pref P+1 not fwmark M lookup T protocol N</c>. Added exclusively, so that an
    /// identical rule already present (the kernel compares the protocol too) shows as <c>EEXIST</c>; the
    /// mark's mask is all ones, as the kernel assumes when none is given. The protocol (<c>FRA_PROTOCOL</c>,
    /// Linux 4.17) marks the rule as ours, and on deletion the kernel matches it, so another program's
    /// identical rule is never the one removed.
    /// </summary>
    public static void Rule(NetlinkRequest request, bool add, AddressFamily family, PolicyRuleKind kind, uint priority, uint table, uint mark, byte protocol)
    {
        bool unmarked = kind == PolicyRuleKind.UnmarkedToTable;
        uint lookup = unmarked ? table : RT_TABLE_MAIN;
        request.Start(add ? RTM_NEWRULE : RTM_DELRULE, add ? (ushort)(Acknowledged | NLM_F_CREATE | NLM_F_EXCL) : Acknowledged)
            .Append(new RuleMessage
            {
                Family = Family(family),
                Table = TableByte(lookup),
                Action = FR_ACT_TO_TBL,
                Flags = unmarked ? FIB_RULE_INVERT : 0,
            })
            .Attribute(FRA_PRIORITY, priority)
            .Attribute(FRA_TABLE, lookup)
            .Attribute(FRA_PROTOCOL, protocol);
        if (unmarked)
        {
            request.Attribute(FRA_FWMARK, mark).Attribute(FRA_FWMASK, uint.MaxValue);
        }
        else
        {
            request.Attribute(FRA_SUPPRESS_PREFIXLEN, 0u);
        }
    }
}
