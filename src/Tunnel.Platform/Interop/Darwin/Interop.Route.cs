namespace Tunnel.Platform.Interop.Darwin;

internal static partial class Interop
{
    /// <summary>The route message types of net/route.h that the adapters send or read.</summary>
    public static class RouteMessageType
    {
        public const byte Add = 0x1;
        public const byte Delete = 0x2;
        public const byte Change = 0x3;
        public const byte Get = 0x4;
        public const byte NewAddress = 0xc;
        public const byte DeleteAddress = 0xd;
        public const byte InterfaceInfo = 0xe;
    }

    /// <summary>The <c>RTF_*</c> route flags of net/route.h.</summary>
    public static class RouteFlags
    {
        public const int Up = 0x1;
        public const int Gateway = 0x2;
        public const int Host = 0x4;
        public const int Reject = 0x8;
        public const int Static = 0x800;
        public const int Blackhole = 0x1000;
        public const int Proto2 = 0x4000;
        public const int Proto1 = 0x8000;
        public const int IfScope = 0x1000000;
    }

    /// <summary>The <c>RTA_*</c> bits saying which addresses follow a route message header, in this order.</summary>
    public static class RouteAddresses
    {
        public const int Destination = 0x1;
        public const int Gateway = 0x2;
        public const int Netmask = 0x4;
        public const int GenMask = 0x8;
        public const int InterfaceName = 0x10;
        public const int InterfaceAddress = 0x20;
        public const int Author = 0x40;
        public const int Broadcast = 0x80;

        /// <summary><c>RTAX_MAX</c>.</summary>
        public const int Count = 8;
    }

    /// <summary><c>IFF_UP</c> and <c>IFF_RUNNING</c> (net/if.h).</summary>
    public const int IFF_UP = 0x1, IFF_RUNNING = 0x40;
}
