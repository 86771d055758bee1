using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary><c>struct if_msghdr</c> (net/if.h): <c>RTM_IFINFO</c>, an interface's flags and statistics changed; 112 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct InterfaceMessageHeader
{
    public const int Size = 112;

    public ushort MessageLength;
    public byte MessageVersion;
    public byte Type;
    public int Addresses;
    public int Flags;
    public ushort Index;
    public InterfaceData Data;
}

/// <summary><c>struct if_data</c> as Darwin gives it to user space (32-bit counters, <c>timeval32</c>); 96 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct InterfaceData
{
    public const int Size = 96;

    public byte Type;
    public byte TypeLength;
    public byte Physical;
    public byte AddressLength;
    public byte HeaderLength;
    public byte ReceiveQuota;
    public byte TransmitQuota;
    public byte Unused1;
    public uint Mtu;
    public uint Metric;
    public uint BaudRate;

    /// <summary>From <c>ifi_ipackets</c> to <c>ifi_noproto</c>, then the two timings, the last change (a <c>timeval32</c>) and four more words.</summary>
    public fixed uint Counters[19];
}
