using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary>
/// <c>struct in6_ifreq</c> (netinet6/in6_var.h): a name and a union whose largest member (the ICMPv6 statistics)
/// makes it 288 bytes; <c>SIOCDIFADDR_IN6</c> reads the address at the union's start.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = Size)]
internal unsafe struct Inet6InterfaceRequest
{
    public const int Size = 288;

    public fixed byte Name[InterfaceRequest.NameSize];
    public SocketAddressInet6 Address;
}
