using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>SOL_UDP</c>, <c>UDP_SEGMENT</c> (GSO) and <c>UDP_GRO</c> (linux/udp.h).</summary>
    public const int SOL_UDP = 17, UDP_SEGMENT = 103, UDP_GRO = 104;

    /// <summary><c>sendmmsg(2)</c>: several messages in one call; returns how many left.</summary>
    [LibraryImport(Libc, EntryPoint = "sendmmsg", SetLastError = true)]
    public static unsafe partial int SendMmsg(SafeHandle fd, MultiMessageHeader* messages, uint count, int flags);
}
