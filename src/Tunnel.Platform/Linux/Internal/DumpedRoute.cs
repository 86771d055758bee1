using System.Net;
using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Linux;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>
/// One route of an <c>RTM_GETROUTE</c> dump, as the kernel described it: the fields route clean-up, route
/// lookups and table choice read, parsed once.
/// </summary>
internal readonly struct DumpedRoute
{
    private DumpedRoute(RouteMessage message, uint table, int outputInterface, IPNetwork destination)
    {
        Family = message.Family;
        Type = message.Type;
        Protocol = message.Protocol;
        Table = table;
        OutputInterface = outputInterface;
        Destination = destination;
    }

    /// <summary><c>AF_INET</c> or <c>AF_INET6</c>.</summary>
    public byte Family { get; }

    /// <summary><c>RTN_UNICAST</c>, <c>RTN_THROW</c>, ...</summary>
    public byte Type { get; }

    /// <summary>Who installed it (<c>RTPROT_*</c>, or a program's own number).</summary>
    public byte Protocol { get; }

    /// <summary>The table, from <c>RTA_TABLE</c> where the one-byte field cannot hold it.</summary>
    public uint Table { get; }

    /// <summary>The interface it leaves by (<c>RTA_OIF</c>), 0 for none.</summary>
    public int OutputInterface { get; }

    /// <summary>The destination prefix; no <c>RTA_DST</c> is the family's default route.</summary>
    public IPNetwork Destination { get; }

    /// <summary>Reads a dump message; false for another message type or a malformed route.</summary>
    public static bool TryRead(ushort type, ReadOnlySpan<byte> payload, out DumpedRoute route)
    {
        route = default;
        if (type != RTM_NEWROUTE || payload.Length < Marshal.SizeOf<RouteMessage>())
        {
            return false;
        }

        RouteMessage message = MemoryMarshal.Read<RouteMessage>(payload);
        uint table = message.Table;
        int outputInterface = 0;
        ReadOnlySpan<byte> destination = default;
        var attributes = new NetlinkAttributeReader(payload, Marshal.SizeOf<RouteMessage>());
        while (attributes.TryRead(out ushort attribute, out var value))
        {
            if (attribute == RTA_TABLE && value.Length >= sizeof(uint))
            {
                table = MemoryMarshal.Read<uint>(value);
            }
            else if (attribute == RTA_OIF && value.Length >= sizeof(int))
            {
                outputInterface = MemoryMarshal.Read<int>(value);
            }
            else if (attribute == RTA_DST)
            {
                destination = value;
            }
        }

        int width = message.Family == AF_INET ? 4 : 16;
        if (message.Family is not (AF_INET or AF_INET6) || (destination.Length != 0 && destination.Length != width) || message.DestinationLength > width * 8)
        {
            return false;
        }

        var address = destination.IsEmpty ? new IPAddress(new byte[width]) : new IPAddress(destination);
        route = new DumpedRoute(message, table, outputInterface, new IPNetwork(address, message.DestinationLength));
        return true;
    }
}
