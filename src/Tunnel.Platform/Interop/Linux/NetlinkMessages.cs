using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Linux;

/// <summary><c>struct nlmsghdr</c> (linux/netlink.h): every netlink message starts with it, in host byte order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NetlinkMessageHeader
{
    public const int Size = 16;

    public uint Length;
    public ushort Type;
    public ushort Flags;
    public uint Sequence;
    public uint PortId;

    /// <summary><c>NLMSG_ALIGN</c> and <c>RTA_ALIGN</c>: messages and attributes start on 4-byte boundaries.</summary>
    public static int Align(int length) => (length + 3) & ~3;
}

/// <summary><c>struct nlmsgerr</c>: the payload of <c>NLMSG_ERROR</c>; an error of 0 is an acknowledgement.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NetlinkErrorMessage
{
    public const int Size = 20;

    /// <summary>A negative errno, or 0.</summary>
    public int Error;

    /// <summary>The header of the request it answers.</summary>
    public NetlinkMessageHeader Request;
}

/// <summary><c>struct rtattr</c> / <c>struct nlattr</c>: the 4-byte header of a type-length-value attribute.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RouteAttribute
{
    public const int Size = 4;

    /// <summary>The header and the value, without the padding that follows.</summary>
    public ushort Length;
    public ushort Type;
}

/// <summary><c>struct rtmsg</c> (linux/rtnetlink.h): the fixed part of a route message.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RouteMessage
{
    public byte Family;
    public byte DestinationLength;
    public byte SourceLength;
    public byte Tos;
    public byte Table;
    public byte Protocol;
    public byte Scope;
    public byte Type;
    public uint Flags;
}

/// <summary><c>struct ifaddrmsg</c> (linux/if_addr.h): the fixed part of an address message.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AddressMessage
{
    public byte Family;
    public byte PrefixLength;
    public byte Flags;
    public byte Scope;
    public uint InterfaceIndex;
}

/// <summary><c>struct ifinfomsg</c> (linux/rtnetlink.h): the fixed part of a link message.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LinkMessage
{
    public byte Family;
    public byte Padding;
    public ushort Type;
    public int InterfaceIndex;
    public uint Flags;

    /// <summary>Which bits of <see cref="Flags"/> a request changes.</summary>
    public uint Change;
}

/// <summary><c>struct fib_rule_hdr</c> (linux/fib_rules.h): the fixed part of a policy-rule message.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RuleMessage
{
    public byte Family;
    public byte DestinationLength;
    public byte SourceLength;
    public byte Tos;
    public byte Table;
    public byte Reserved1;
    public byte Reserved2;
    public byte Action;
    public uint Flags;
}
