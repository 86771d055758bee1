using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    public const int AF_UNSPEC = 0;
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int AF_NETLINK = 16;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;

    /// <summary><c>socket(2)</c>: the interface ioctls' control socket, and the rtnetlink socket.</summary>
    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    public static partial SafeFileDescriptor Socket(int domain, int type, int protocol);
}
