using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>SOL_SOCKET</c> and <c>SO_RCVTIMEO</c> (asm-generic/socket.h; a 64-bit <c>struct timeval</c>).</summary>
    public const int SOL_SOCKET = 1, SO_RCVTIMEO = 20;

    /// <summary><c>struct timeval</c> on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TimeValue
    {
        public long Seconds;
        public long Microseconds;
    }

    /// <summary><c>setsockopt(2)</c>.</summary>
    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    public static unsafe partial int SetSockOpt(SafeFileDescriptor fd, int level, int name, void* value, uint length);
}
