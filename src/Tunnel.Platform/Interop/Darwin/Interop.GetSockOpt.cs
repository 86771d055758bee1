using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Darwin;

internal static partial class Interop
{
    /// <summary><c>UTUN_OPT_IFNAME</c> (net/if_utun.h): the name (<c>utunN</c>) the kernel gave the interface.</summary>
    public const int UTUN_OPT_IFNAME = 2;

    /// <summary><c>getsockopt(2)</c>.</summary>
    [LibraryImport(Libc, EntryPoint = "getsockopt", SetLastError = true)]
    public static unsafe partial int GetSockOpt(SafeFileDescriptor socket, int level, int option, byte* value, uint* length);
}
