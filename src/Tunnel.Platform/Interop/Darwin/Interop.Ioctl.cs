using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Darwin;

internal static partial class Interop
{
    /// <summary><c>IOC_OUT</c>, <c>IOC_IN</c> and <c>IOCPARM_MASK</c> (sys/ioccom.h): the parts of an ioctl number.</summary>
    public const uint IOC_OUT = 0x40000000, IOC_IN = 0x80000000, IOC_INOUT = IOC_IN | IOC_OUT, IOCPARM_MASK = 0x1fff;

    /// <summary><c>_IOWR('N', 3, struct ctl_info)</c> (sys/kern_control.h): a kernel control's id from its name.</summary>
    public const uint CTLIOCGINFO = 0xC0644E03;

    /// <summary><c>_IOW('i', 52, struct ifreq)</c> (sys/sockio.h).</summary>
    public const uint SIOCSIFMTU = 0x80206934;

    /// <summary><c>_IOWR('i', 51, struct ifreq)</c>.</summary>
    public const uint SIOCGIFMTU = 0xC0206933;

    /// <summary><c>_IOW('i', 26, struct ifaliasreq)</c>: adds an IPv4 address.</summary>
    public const uint SIOCAIFADDR = 0x8040691A;

    /// <summary><c>_IOW('i', 25, struct ifreq)</c>: removes an IPv4 address.</summary>
    public const uint SIOCDIFADDR = 0x80206919;

    /// <summary><c>_IOW('i', 26, struct in6_aliasreq)</c> (netinet6/in6_var.h): adds an IPv6 address.</summary>
    public const uint SIOCAIFADDR_IN6 = 0x8080691A;

    /// <summary><c>_IOW('i', 25, struct in6_ifreq)</c>: removes an IPv6 address.</summary>
    public const uint SIOCDIFADDR_IN6 = 0x81206919;

    /// <summary><c>_IOC(inout, group, number, length)</c>: an ioctl number from its direction, group, number and argument size.</summary>
    /// <param name="direction"><see cref="IOC_IN"/>, <see cref="IOC_OUT"/> or <see cref="IOC_INOUT"/>.</param>
    /// <param name="group">The group letter.</param>
    /// <param name="number">The number in the group.</param>
    /// <param name="length">The argument's size.</param>
    /// <returns>The ioctl number.</returns>
    public static uint IoctlNumber(uint direction, char group, uint number, int length) =>
        direction | (((uint)length & IOCPARM_MASK) << 16) | ((uint)group << 8) | number;

    /// <summary><c>ioctl(2)</c> with a pointer argument, passed where this process's ABI puts a variadic argument.</summary>
    public static unsafe int Ioctl(SafeFileDescriptor fd, uint request, void* argument) =>
        VariadicCall.OnStack ? IoctlOnStack(fd, request, 0, 0, 0, 0, 0, 0, argument) : IoctlInRegister(fd, request, argument);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int IoctlInRegister(SafeFileDescriptor fd, nuint request, void* argument);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int IoctlOnStack(SafeFileDescriptor fd, nuint request, nint x2, nint x3, nint x4, nint x5, nint x6, nint x7, void* argument);
}
