namespace Tunnel.Net.Packets;

/// <summary>The IP protocol numbers the stack handles (IANA "Assigned Internet Protocol Numbers").</summary>
internal static class IPProtocol
{
    public const byte HopByHopOptions = 0;
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte IcmpV6 = 58;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;
}
