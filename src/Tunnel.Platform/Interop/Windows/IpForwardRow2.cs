using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

/// <summary><c>MIB_IPFORWARD_ROW2</c> (netioapi.h): one route; 104 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IpForwardRow2
{
    public const int Size = 104;

    /// <summary><c>MIB_IPPROTO_NETMGMT</c>: a static route an administrator (or a program acting for one) added.</summary>
    public const int ProtocolNetworkManagement = 3;

    public ulong InterfaceLuid;
    public uint InterfaceIndex;
    public IpAddressPrefix DestinationPrefix;
    public SocketAddressInet NextHop;
    public byte SitePrefixLength;
    public uint ValidLifetime;
    public uint PreferredLifetime;
    public uint Metric;
    public int Protocol;
    public byte Loopback;
    public byte AutoconfigureAddress;
    public byte Publish;
    public byte Immortal;
    public uint Age;
    public int Origin;
}
