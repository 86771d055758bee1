using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary><c>struct ifaliasreq</c> (net/if.h; <c>in_aliasreq</c> in netinet/in_var.h): an IPv4 address for <c>SIOCAIFADDR</c>; 64 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct InterfaceAliasRequest
{
    public const int Size = 64;

    public fixed byte Name[InterfaceRequest.NameSize];
    public SocketAddressInet Address;

    /// <summary>The broadcast address, or the peer's on a point-to-point interface such as utun.</summary>
    public SocketAddressInet Destination;
    public SocketAddressInet Mask;
}
