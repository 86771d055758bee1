namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>NETLINK_ROUTE</c> (linux/netlink.h): the rtnetlink protocol of an <see cref="AF_NETLINK"/> socket.</summary>
    public const int NETLINK_ROUTE = 0;

    /// <summary><c>SOL_NETLINK</c> with <c>NETLINK_CAP_ACK</c> (an error does not echo the request) and <c>NETLINK_EXT_ACK</c> (it carries the kernel's reason).</summary>
    public const int SOL_NETLINK = 270, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;

    /// <summary><c>nlmsghdr.nlmsg_flags</c> (linux/netlink.h).</summary>
    public const ushort NLM_F_REQUEST = 0x01, NLM_F_ACK = 0x04, NLM_F_DUMP = 0x300, NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;

    /// <summary>Flags of an <see cref="NLMSG_ERROR"/> message: the request was left out, extended-ack attributes follow.</summary>
    public const ushort NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;

    /// <summary>Control message types: an acknowledgement or error, the end of a dump.</summary>
    public const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3;

    /// <summary><c>NLMSGERR_ATTR_MSG</c>: the extended-ack attribute with a NUL-terminated reason.</summary>
    public const ushort NLMSGERR_ATTR_MSG = 1;

    /// <summary>rtnetlink message types (linux/rtnetlink.h).</summary>
    public const ushort RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_DELADDR = 21,
        RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26, RTM_NEWRULE = 32, RTM_DELRULE = 33, RTM_GETRULE = 34;

    /// <summary>
    /// <c>rtm_type</c>: a route to a next hop, a route that refuses the destination (the sender gets <c>EACCES</c>,
    /// a forwarded packet an ICMP "administratively prohibited"), and a route that sends the lookup on to the next rule.
    /// </summary>
    public const byte RTN_UNSPEC = 0, RTN_UNICAST = 1, RTN_PROHIBIT = 8, RTN_THROW = 9;

    /// <summary>
    /// <c>rtm_protocol</c>: none, and installed by an administrator. Values up to <c>RTPROT_STATIC</c> are the
    /// kernel's; the ones above name the program that installed a route or rule.
    /// </summary>
    public const byte RTPROT_UNSPEC = 0, RTPROT_STATIC = 4;

    /// <summary><c>rtm_scope</c>: anywhere, on this link, and "any scope" (for deletion).</summary>
    public const byte RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_NOWHERE = 255;

    /// <summary>Table identifiers: none (the one-byte field defers to <see cref="RTA_TABLE"/>), and the reserved ones.</summary>
    public const uint RT_TABLE_UNSPEC = 0, RT_TABLE_COMPAT = 252, RT_TABLE_DEFAULT = 253, RT_TABLE_MAIN = 254, RT_TABLE_LOCAL = 255;

    /// <summary>Route attributes (<c>enum rtattr_type_t</c>).</summary>
    public const ushort RTA_DST = 1, RTA_OIF = 4, RTA_PRIORITY = 6, RTA_TABLE = 15;

    /// <summary>Address attributes (linux/if_addr.h).</summary>
    public const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2;

    /// <summary><c>IFLA_IFNAME</c> (linux/if_link.h).</summary>
    public const ushort IFLA_IFNAME = 3;

    /// <summary><c>IFLA_MTU</c> (linux/if_link.h): a link's MTU, a 32-bit value.</summary>
    public const ushort IFLA_MTU = 4;

    /// <summary><c>IFF_UP</c> (linux/if.h).</summary>
    public const uint IFF_UP = 0x1;

    /// <summary>Rule attributes (linux/fib_rules.h).</summary>
    public const ushort FRA_PRIORITY = 6, FRA_FWMARK = 10, FRA_SUPPRESS_PREFIXLEN = 14, FRA_TABLE = 15, FRA_FWMASK = 16, FRA_PROTOCOL = 21;

    /// <summary><c>FR_ACT_TO_TBL</c>: a rule that looks the destination up in a table.</summary>
    public const byte FR_ACT_TO_TBL = 1;

    /// <summary><c>FIB_RULE_INVERT</c>: the rule matches what its selector does not (<c>ip rule add not ...</c>).</summary>
    public const uint FIB_RULE_INVERT = 0x2;
}
