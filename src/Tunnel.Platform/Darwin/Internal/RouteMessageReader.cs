using System.Buffers.Binary;
using System.Net;
using Tunnel.Platform.Interop.Darwin;
using static Tunnel.Platform.Interop.Darwin.Interop;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>
/// Decodes the messages a <c>PF_ROUTE</c> socket delivers: several per read, each with its own length. Input
/// from the kernel is still checked: a length that runs past the read, or a socket address that runs past its
/// message, ends the decoding rather than reading out of bounds.
/// </summary>
internal static class RouteMessageReader
{
    /// <summary>Decodes the message at the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">What a read returned, from a message's start.</param>
    /// <param name="message">The message, or null when it is of a version or type not decoded here (skip it by <paramref name="length"/>).</param>
    /// <param name="length">The message's length, to step to the next.</param>
    /// <returns>False when the buffer holds no whole message.</returns>
    public static bool TryRead(ReadOnlySpan<byte> buffer, out RouteMessage? message, out int length)
    {
        message = null;
        length = 0;
        if (buffer.Length < 4)
        {
            return false;
        }

        length = BinaryPrimitives.ReadUInt16LittleEndian(buffer);
        if (length < 4 || length > buffer.Length)
        {
            length = 0;
            return false;
        }

        ReadOnlySpan<byte> span = buffer[..length];
        if (span[2] != RouteMessageHeader.Version)
        {
            return true;
        }

        byte type = span[3];
        switch (type)
        {
            case RouteMessageType.InterfaceInfo when length >= InterfaceMessageHeader.Size:
                message = new RouteMessage(
                    type,
                    Index: BinaryPrimitives.ReadUInt16LittleEndian(span[12..]),
                    Flags: BinaryPrimitives.ReadInt32LittleEndian(span[8..]),
                    ProcessId: 0,
                    Sequence: 0,
                    Error: 0,
                    Mtu: BinaryPrimitives.ReadUInt32LittleEndian(span[(16 + 8)..]),
                    Destination: null,
                    Gateway: null,
                    GatewayInterface: 0);
                return true;
            case RouteMessageType.Add or RouteMessageType.Delete or RouteMessageType.Change or RouteMessageType.Get when length >= RouteMessageHeader.Size:
                message = ReadRoute(span, type);
                return true;
            default:
                return true;
        }
    }

    private static RouteMessage ReadRoute(ReadOnlySpan<byte> span, byte type)
    {
        int addresses = BinaryPrimitives.ReadInt32LittleEndian(span[12..]);
        IPAddress? destination = null, gateway = null;
        int prefixLength = -1;
        ushort gatewayInterface = 0;
        ReadOnlySpan<byte> rest = span[RouteMessageHeader.Size..];
        for (int bit = 0; bit < RouteAddresses.Count && !rest.IsEmpty; bit++)
        {
            if ((addresses & (1 << bit)) == 0)
            {
                continue;
            }

            int size = rest[0];
            int room = RouteMessageWriter.Align(size);
            if (room > rest.Length)
            {
                break; // a socket address past the message's end: what was decoded stands
            }

            ReadOnlySpan<byte> socketAddress = rest[..size];
            switch (1 << bit)
            {
                case RouteAddresses.Destination:
                    destination = ReadAddress(socketAddress);
                    break;
                case RouteAddresses.Gateway:
                    gateway = ReadAddress(socketAddress);
                    if (size >= 4 && socketAddress[1] == AF_LINK)
                    {
                        gatewayInterface = BinaryPrimitives.ReadUInt16LittleEndian(socketAddress[2..]);
                    }

                    break;
                case RouteAddresses.Netmask:
                    prefixLength = ReadPrefixLength(socketAddress, destination);
                    break;
            }

            rest = rest[room..];
        }

        int flags = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        IPNetwork? network = null;
        if (destination is not null)
        {
            int full = destination.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
            int prefix = (flags & RouteFlags.Host) != 0 || prefixLength < 0 ? full : prefixLength;
            network = new IPNetwork(Mask(destination, prefix), prefix);
        }

        return new RouteMessage(
            type,
            Index: BinaryPrimitives.ReadUInt16LittleEndian(span[4..]),
            Flags: flags,
            ProcessId: BinaryPrimitives.ReadInt32LittleEndian(span[16..]),
            Sequence: BinaryPrimitives.ReadInt32LittleEndian(span[20..]),
            Error: BinaryPrimitives.ReadInt32LittleEndian(span[24..]),
            Mtu: BinaryPrimitives.ReadUInt32LittleEndian(span[(36 + 4)..]),
            Destination: network,
            Gateway: gateway,
            GatewayInterface: gatewayInterface);
    }

    private static IPAddress? ReadAddress(ReadOnlySpan<byte> socketAddress)
    {
        if (socketAddress.Length < 2)
        {
            return null;
        }

        return socketAddress[1] switch
        {
            AF_INET when socketAddress.Length >= 8 => new IPAddress(socketAddress.Slice(4, 4)),
            AF_INET6 when socketAddress.Length >= 24 => new IPAddress(socketAddress.Slice(8, 16)),
            _ => null,
        };
    }

    /// <summary>
    /// The prefix length of a netmask. The kernel trims a mask's trailing zero bytes (its length then says how
    /// many bytes remain), and may give it no family: the destination's family says where the bytes start.
    /// </summary>
    private static int ReadPrefixLength(ReadOnlySpan<byte> socketAddress, IPAddress? destination)
    {
        if (destination is null)
        {
            return -1;
        }

        bool v4 = destination.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        int start = v4 ? 4 : 8;
        int width = v4 ? 4 : 16;
        int prefix = 0;
        for (int i = 0; i < width && start + i < socketAddress.Length; i++)
        {
            byte b = socketAddress[start + i];
            if (b == 0xff)
            {
                prefix += 8;
                continue;
            }

            prefix += System.Numerics.BitOperations.LeadingZeroCount((uint)(byte)~b) - 24;
            break;
        }

        return prefix;
    }

    private static IPAddress Mask(IPAddress address, int prefixLength)
    {
        Span<byte> bytes = stackalloc byte[16];
        _ = address.TryWriteBytes(bytes, out int written);
        bytes = bytes[..written];
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefixLength - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xff << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}
