using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary><c>struct sockaddr_in6</c> on Darwin, which begins with its own length; 28 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SocketAddressInet6
{
    public const int Size = 28;

    public byte Length;
    public byte Family;

    /// <summary>In network byte order.</summary>
    public ushort Port;
    public uint FlowInfo;
    public fixed byte Address[16];
    public uint ScopeId;

    /// <summary>The socket address of <paramref name="address"/>, port 0.</summary>
    public static SocketAddressInet6 From(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("An IPv6 address is needed.", nameof(address));
        }

        var value = new SocketAddressInet6 { Length = Size, Family = Interop.AF_INET6, ScopeId = (uint)address.ScopeId };
        _ = address.TryWriteBytes(new Span<byte>(value.Address, 16), out _);
        return value;
    }
}
