namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>SOL_IP</c> and <c>IP_PKTINFO</c> (linux/in.h): receive, and choose on send, a datagram's local address.</summary>
    public const int SOL_IP = 0, IP_PKTINFO = 8;

    /// <summary><c>SOL_IPV6</c>, <c>IPV6_RECVPKTINFO</c> and <c>IPV6_PKTINFO</c> (linux/in6.h).</summary>
    public const int SOL_IPV6 = 41, IPV6_RECVPKTINFO = 49, IPV6_PKTINFO = 50;
}
