using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

/// <summary>
/// <c>SOCKADDR_INET</c> (ws2ipdef.h): a <c>SOCKADDR_IN</c> or <c>SOCKADDR_IN6</c> in 28 bytes, told apart by the
/// family at offset 0 (Windows' <c>AF_INET6</c> is 23). Unlike BSD's, there is no length byte.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SocketAddressInet
{
    public const int Size = 28;
    public const ushort AfUnspec = 0;
    public const ushort AfInet = 2;
    public const ushort AfInet6 = 23;

    public ushort Family;

    /// <summary>In network byte order.</summary>
    public ushort Port;

    /// <summary>IPv4: the address's four bytes in network order. IPv6: the flow information.</summary>
    public uint AddressOrFlowInfo;

    /// <summary>IPv6: the address. IPv4: <c>sin_zero</c> and room.</summary>
    public fixed byte Address6[16];
    public uint ScopeId;

    public static SocketAddressInet From(IPAddress address)
    {
        var value = default(SocketAddressInet);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            value.Family = AfInet;
            _ = address.TryWriteBytes(new Span<byte>(&value.AddressOrFlowInfo, 4), out _);
        }
        else
        {
            value.Family = AfInet6;
            _ = address.TryWriteBytes(new Span<byte>(value.Address6, 16), out _);
            value.ScopeId = (uint)address.ScopeId;
        }

        return value;
    }

    public readonly IPAddress? ToAddress()
    {
        fixed (uint* v4 = &AddressOrFlowInfo)
        fixed (byte* v6 = Address6)
        {
            return Family switch
            {
                AfInet => new IPAddress(new ReadOnlySpan<byte>(v4, 4)),
                AfInet6 => new IPAddress(new ReadOnlySpan<byte>(v6, 16)),
                _ => null,
            };
        }
    }
}

/// <summary><c>IP_ADDRESS_PREFIX</c>: an address and its prefix length; 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Size = Size)]
internal struct IpAddressPrefix
{
    public const int Size = 32;

    public SocketAddressInet Prefix;
    public byte PrefixLength;
}
