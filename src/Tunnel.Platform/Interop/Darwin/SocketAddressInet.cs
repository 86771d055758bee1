using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary><c>struct sockaddr_in</c> on Darwin, which begins with its own length; 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SocketAddressInet
{
    public const int Size = 16;

    public byte Length;
    public byte Family;

    /// <summary>In network byte order.</summary>
    public ushort Port;

    /// <summary>The address's four bytes in network order.</summary>
    public fixed byte Address[4];
    private fixed byte _zero[8];

    /// <summary>The socket address of <paramref name="address"/>, port 0.</summary>
    public static SocketAddressInet From(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("An IPv4 address is needed.", nameof(address));
        }

        var value = new SocketAddressInet { Length = Size, Family = Interop.AF_INET };
        _ = address.TryWriteBytes(new Span<byte>(value.Address, 4), out _);
        return value;
    }
}
