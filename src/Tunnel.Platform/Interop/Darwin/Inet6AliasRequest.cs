using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary><c>struct in6_aliasreq</c> (netinet6/in6_var.h): an IPv6 address for <c>SIOCAIFADDR_IN6</c>; 128 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Inet6AliasRequest
{
    public const int Size = 128;

    /// <summary><c>ND6_INFINITE_LIFETIME</c>: an address that never expires.</summary>
    public const uint InfiniteLifetime = 0xffffffff;

    /// <summary><c>IN6_IFF_NODAD</c>: no duplicate address detection on a point-to-point tunnel.</summary>
    public const int NoDuplicateAddressDetection = 0x0020;

    public fixed byte Name[InterfaceRequest.NameSize];
    public SocketAddressInet6 Address;
    public SocketAddressInet6 Destination;
    public SocketAddressInet6 PrefixMask;
    public int Flags;

    /// <summary><c>struct in6_addrlifetime</c>: <c>ia6t_expire</c>, <c>ia6t_preferred</c> (time_t), <c>ia6t_vltime</c>, <c>ia6t_pltime</c>.</summary>
    public long Expire;
    public long Preferred;
    public uint ValidLifetime;
    public uint PreferredLifetime;
}
