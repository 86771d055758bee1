using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

/// <summary><c>MIB_UNICASTIPADDRESS_ROW</c> (netioapi.h): one address of an interface; 80 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UnicastIpAddressRow
{
    public const int Size = 80;

    /// <summary><c>IpDadStatePreferred</c>: usable at once, as wireguard-windows sets it on a tunnel.</summary>
    public const int DadStatePreferred = 4;

    public SocketAddressInet Address;
    public ulong InterfaceLuid;
    public uint InterfaceIndex;
    public int PrefixOrigin;
    public int SuffixOrigin;
    public uint ValidLifetime;
    public uint PreferredLifetime;
    public byte OnLinkPrefixLength;
    public byte SkipAsSource;
    public int DadState;
    public uint ScopeId;
    public long CreationTimeStamp;
}
