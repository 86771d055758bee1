using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    /// <summary><c>eventfd(2)</c>: a descriptor a blocked <c>poll</c> can be woken through.</summary>
    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    public static partial SafeFileDescriptor EventFd(uint initialValue, int flags);
}
