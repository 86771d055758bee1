using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

internal static partial class Interop
{
    /// <summary><c>getpeereid(3)</c>: the effective user and group of a connected UNIX-domain socket's peer.</summary>
    [LibraryImport(Libc, EntryPoint = "getpeereid", SetLastError = true)]
    public static unsafe partial int GetPeerEid(nint socket, uint* userId, uint* groupId);
}
