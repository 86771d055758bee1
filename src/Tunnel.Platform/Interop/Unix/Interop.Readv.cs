using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Unix;

internal static partial class Interop
{
    /// <summary><c>readv(2)</c>: one packet scattered into several buffers (a utun header and its packet).</summary>
    [LibraryImport(Libc, EntryPoint = "readv", SetLastError = true)]
    public static unsafe partial nint Readv(SafeFileDescriptor fd, IOVector* vectors, int count);
}
