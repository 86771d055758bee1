using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

/// <summary><c>MIB_IPINTERFACE_ROW</c> (netioapi.h): an interface's settings for one address family; 168 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IpInterfaceRow
{
    public const int Size = 168;

    public ushort Family;
    public ulong InterfaceLuid;
    public uint InterfaceIndex;
    public uint MaxReassemblySize;
    public ulong InterfaceIdentifier;
    public uint MinRouterAdvertisementInterval;
    public uint MaxRouterAdvertisementInterval;
    public byte AdvertisingEnabled;
    public byte ForwardingEnabled;
    public byte WeakHostSend;
    public byte WeakHostReceive;
    public byte UseAutomaticMetric;
    public byte UseNeighborUnreachabilityDetection;
    public byte ManagedAddressConfigurationSupported;
    public byte OtherStatefulConfigurationSupported;
    public byte AdvertiseDefaultRoute;
    public int RouterDiscoveryBehavior;
    public uint DadTransmits;
    public uint BaseReachableTime;
    public uint RetransmitTime;
    public uint PathMtuDiscoveryTimeout;
    public int LinkLocalAddressBehavior;
    public uint LinkLocalAddressTimeout;
    public fixed uint ZoneIndices[16];
    public uint SitePrefixLength;
    public uint Metric;
    public uint NlMtu;
    public byte Connected;
    public byte SupportsWakeUpPatterns;
    public byte SupportsNeighborDiscovery;
    public byte SupportsRouterDiscovery;
    public uint ReachableTime;
    public byte TransmitOffload;
    public byte ReceiveOffload;
    public byte DisableDefaultRoutes;
}
