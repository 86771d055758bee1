using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>MSG_TRUNC</c> and <c>MSG_WAITFORONE</c> (bits/socket.h).</summary>
    public const int MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_WAITFORONE = 0x10000;

    /// <summary><c>recvmmsg(2)</c>: several datagrams in one call.</summary>
    [LibraryImport(Libc, EntryPoint = "recvmmsg", SetLastError = true)]
    public static unsafe partial int RecvMmsg(SafeHandle fd, MultiMessageHeader* messages, uint count, int flags, void* timeout);
}
