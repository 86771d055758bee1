using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>_IOW('T', 202, int)</c> from linux/if_tun.h.</summary>
    public const uint TUNSETIFF = 0x400454CA;

    /// <summary><c>_IOW('T', 208, unsigned int)</c>: the offloads a TUN device with <c>IFF_VNET_HDR</c> accepts.</summary>
    public const uint TUNSETOFFLOAD = 0x400454D0;

    /// <summary>Set an interface's MTU (linux/sockios.h).</summary>
    public const uint SIOCSIFMTU = 0x8922;

    /// <summary>Get an interface's MTU (linux/sockios.h).</summary>
    public const uint SIOCGIFMTU = 0x8921;

    /// <summary><c>SIOCGIFINDEX</c>: an interface's index, into <see cref="InterfaceRequest.Value"/>.</summary>
    public const uint SIOCGIFINDEX = 0x8933;

    /// <summary><c>ioctl(2)</c> with a <c>struct ifreq</c> argument.</summary>
    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    public static unsafe partial int Ioctl(SafeFileDescriptor fd, nuint request, InterfaceRequest* argument);

    /// <summary><c>ioctl(2)</c> with an integer argument passed by value (<c>TUNSETOFFLOAD</c>).</summary>
    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeFileDescriptor fd, nuint request, nuint argument);
}
