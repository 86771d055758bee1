using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Darwin;

internal static partial class Interop
{
    public const int F_SETFD = 2;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;

    /// <summary>Darwin's <c>O_NONBLOCK</c> (Linux's is 0x800).</summary>
    public const int O_NONBLOCK = 0x4;

    /// <summary><c>FD_CLOEXEC</c>: the descriptor is not inherited by a program the process starts.</summary>
    public const int FD_CLOEXEC = 1;

    /// <summary><c>fcntl(2)</c> with an integer argument, passed where this process's ABI puts a variadic argument.</summary>
    public static int Fcntl(SafeFileDescriptor fd, int command, int argument) =>
        VariadicCall.OnStack ? FcntlOnStack(fd, command, 0, 0, 0, 0, 0, 0, argument) : FcntlInRegister(fd, command, argument);

    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlInRegister(SafeFileDescriptor fd, int command, nint argument);

    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlOnStack(SafeFileDescriptor fd, int command, nint x2, nint x3, nint x4, nint x5, nint x6, nint x7, nint argument);
}
