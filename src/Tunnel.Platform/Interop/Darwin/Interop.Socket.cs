using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Darwin;

internal static partial class Interop
{
    public const int AF_UNSPEC = 0;
    public const int AF_INET = 2;
    public const int AF_ROUTE = 17;
    public const int AF_LINK = 18;

    /// <summary>Darwin's number for IPv6 (Linux's is 10): also the value of the utun packet header for IPv6.</summary>
    public const int AF_INET6 = 30;

    /// <summary><c>AF_SYSTEM</c> / <c>PF_SYSTEM</c>: kernel control and event sockets (sys/socket.h).</summary>
    public const int AF_SYSTEM = 32;

    /// <summary><c>AF_SYS_CONTROL</c>: the sub-family of a kernel control address (sys/sys_domain.h).</summary>
    public const ushort AF_SYS_CONTROL = 2;

    /// <summary><c>SYSPROTO_CONTROL</c>: the kernel control protocol, and the socket option level of utun's options.</summary>
    public const int SYSPROTO_CONTROL = 2;

    public const int SOCK_DGRAM = 2;
    public const int SOCK_RAW = 3;

    /// <summary><c>socket(2)</c>: the utun control socket, the interface ioctls' socket and the routing socket.</summary>
    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    public static partial SafeFileDescriptor Socket(int domain, int type, int protocol);
}
