using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>RTMGRP_LINK</c> (linux/rtnetlink.h): the multicast group of link changes (new, changed, deleted).</summary>
    public const uint RTMGRP_LINK = 0x1;

    /// <summary><c>struct sockaddr_nl</c> (linux/netlink.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NetlinkAddress
    {
        public ushort Family;
        public ushort Padding;
        public uint PortId;
        public uint Groups;
    }

    /// <summary><c>bind(2)</c> of a netlink socket: with <see cref="NetlinkAddress.Groups"/> set, it receives those notifications.</summary>
    [LibraryImport(Libc, EntryPoint = "bind", SetLastError = true)]
    public static unsafe partial int Bind(SafeFileDescriptor fd, NetlinkAddress* address, uint length);
}
