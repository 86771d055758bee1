using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary><c>struct rt_msghdr</c> (net/route.h): the header of a route message on a <c>PF_ROUTE</c> socket; 92 bytes, then the addresses.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RouteMessageHeader
{
    public const int Size = 92;

    /// <summary><c>RTM_VERSION</c>.</summary>
    public const byte Version = 5;

    public ushort MessageLength;
    public byte MessageVersion;
    public byte Type;
    public ushort Index;
    public int Flags;
    public int Addresses;
    public int ProcessId;
    public int Sequence;
    public int Error;
    public int Use;
    public uint Inits;
    public RouteMetrics Metrics;
}

/// <summary><c>struct rt_metrics</c>: 14 32-bit fields; 56 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct RouteMetrics
{
    public const int Size = 56;

    public uint Locks;
    public uint Mtu;
    public uint HopCount;
    public int Expire;
    public uint ReceivePipe;
    public uint SendPipe;
    public uint SlowStartThreshold;
    public uint RoundTripTime;
    public uint RoundTripTimeVariance;
    public uint PacketsSent;
    public uint State;
    public fixed uint Filler[3];
}
