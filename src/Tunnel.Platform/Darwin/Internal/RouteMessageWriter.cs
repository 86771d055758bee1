using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Tunnel.Platform.Interop.Darwin;
using static Tunnel.Platform.Interop.Darwin.Interop;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>
/// Builds the route messages the macOS adapters write to a <c>PF_ROUTE</c> socket: an <c>rt_msghdr</c>, then
/// the destination, the gateway (an address, or the interface as a link-level address) and the netmask, each
/// rounded up to 4 bytes as Darwin's routing socket expects.
/// </summary>
internal static class RouteMessageWriter
{
    /// <summary>The longest message written: the header and three IPv6 socket addresses.</summary>
    public const int MaxLength = RouteMessageHeader.Size + (3 * SocketAddressInet6.Size);

    /// <summary>Writes a route request into <paramref name="buffer"/>.</summary>
    /// <param name="buffer">At least <see cref="MaxLength"/> bytes.</param>
    /// <param name="type"><c>RTM_ADD</c>, <c>RTM_DELETE</c> or <c>RTM_GET</c>.</param>
    /// <param name="sequence">The request's sequence number.</param>
    /// <param name="network">The destination network; a full-length prefix is a host route (no netmask).</param>
    /// <param name="gateway">The next hop, of the network's family; or null to route through <paramref name="interfaceIndex"/>.</param>
    /// <param name="interfaceIndex">The interface a route without a gateway goes through.</param>
    /// <param name="flags">Extra <c>RTF_*</c> flags (the mark that makes the route ours, <c>RTF_REJECT</c>); <c>RTF_UP</c>, <c>RTF_STATIC</c>, <c>RTF_GATEWAY</c> and <c>RTF_HOST</c> are set here.</param>
    /// <returns>The message's length.</returns>
    public static int Write(Span<byte> buffer, byte type, int sequence, IPNetwork network, IPAddress? gateway, ushort interfaceIndex, int flags)
    {
        AddressFamily family = network.BaseAddress.AddressFamily;
        if (gateway is not null && gateway.AddressFamily != family)
        {
            throw new ArgumentException($"The gateway {gateway} is not of {network}'s family.", nameof(gateway));
        }

        bool host = network.PrefixLength == (family == AddressFamily.InterNetwork ? 32 : 128);
        int addresses = RouteAddresses.Destination | RouteAddresses.Gateway | (host ? 0 : RouteAddresses.Netmask);
        flags |= RouteFlags.Up | RouteFlags.Static | (gateway is null ? 0 : RouteFlags.Gateway) | (host ? RouteFlags.Host : 0);

        int length = RouteMessageHeader.Size;
        length += WriteAddress(buffer[length..], network.BaseAddress);
        length += gateway is null ? WriteLink(buffer[length..], interfaceIndex) : WriteAddress(buffer[length..], gateway);
        if (!host)
        {
            length += WriteMask(buffer[length..], family, network.PrefixLength);
        }

        buffer[..RouteMessageHeader.Size].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)length);
        buffer[2] = RouteMessageHeader.Version;
        buffer[3] = type;
        BinaryPrimitives.WriteInt32LittleEndian(buffer[8..], flags);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[12..], addresses);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[20..], sequence);
        return length;
    }

    /// <summary>Writes an <c>RTM_GET</c> for the route the system would use to <paramref name="address"/>.</summary>
    /// <param name="buffer">At least <see cref="MaxLength"/> bytes.</param>
    /// <param name="sequence">The request's sequence number, which the answer carries.</param>
    /// <param name="address">The destination.</param>
    /// <returns>The message's length.</returns>
    public static int WriteGet(Span<byte> buffer, int sequence, IPAddress address)
    {
        int length = RouteMessageHeader.Size + WriteAddress(buffer[RouteMessageHeader.Size..], address);
        buffer[..RouteMessageHeader.Size].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)length);
        buffer[2] = RouteMessageHeader.Version;
        buffer[3] = RouteMessageType.Get;
        BinaryPrimitives.WriteInt32LittleEndian(buffer[8..], RouteFlags.Up | RouteFlags.Host);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[12..], RouteAddresses.Destination);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[20..], sequence);
        return length;
    }

    /// <summary><c>ROUNDUP32</c>: a socket address's room in a route message (4 for an empty one).</summary>
    public static int Align(int length) => length > 0 ? 1 + ((length - 1) | 3) : 4;

    private static int WriteAddress(Span<byte> destination, IPAddress address)
    {
        int size = address.AddressFamily == AddressFamily.InterNetwork ? SocketAddressInet.Size : SocketAddressInet6.Size;
        Span<byte> socketAddress = destination[..size];
        socketAddress.Clear();
        socketAddress[0] = (byte)size;
        socketAddress[1] = (byte)(size == SocketAddressInet.Size ? AF_INET : AF_INET6);
        _ = address.TryWriteBytes(socketAddress[(size == SocketAddressInet.Size ? 4 : 8)..], out _);
        return Align(size);
    }

    private static int WriteMask(Span<byte> destination, AddressFamily family, int prefixLength)
    {
        bool v4 = family == AddressFamily.InterNetwork;
        int size = v4 ? SocketAddressInet.Size : SocketAddressInet6.Size;
        Span<byte> socketAddress = destination[..size];
        socketAddress.Clear();
        socketAddress[0] = (byte)size;
        socketAddress[1] = (byte)(v4 ? AF_INET : AF_INET6);
        Span<byte> mask = socketAddress.Slice(v4 ? 4 : 8, v4 ? 4 : 16);
        for (int bit = 0; bit < prefixLength; bit++)
        {
            mask[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return Align(size);
    }

    private static int WriteLink(Span<byte> destination, ushort interfaceIndex)
    {
        if (interfaceIndex == 0)
        {
            throw new ArgumentException("A route without a gateway needs the interface it goes through.", nameof(interfaceIndex));
        }

        Span<byte> socketAddress = destination[..SocketAddressLink.Size];
        socketAddress.Clear();
        socketAddress[0] = SocketAddressLink.Size;
        socketAddress[1] = AF_LINK;
        BinaryPrimitives.WriteUInt16LittleEndian(socketAddress[2..], interfaceIndex);
        return Align(SocketAddressLink.Size);
    }
}
