using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>CLONE_NEWNET</c> (linux/sched.h): the namespace type <see cref="SetNs"/> must find behind the descriptor.</summary>
    public const int CLONE_NEWNET = 0x40000000;

    /// <summary><c>setns(2)</c>: moves the calling thread, and only it, into the namespace a descriptor refers to.</summary>
    [LibraryImport(Libc, EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(SafeFileDescriptor fd, int type);
}
