using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>recv(2)</c>. With <see cref="MSG_TRUNC"/> it returns a datagram's full length even when the buffer was shorter.</summary>
    [LibraryImport(Libc, EntryPoint = "recv", SetLastError = true)]
    public static unsafe partial nint Recv(SafeFileDescriptor fd, byte* buffer, nuint length, int flags);
}
