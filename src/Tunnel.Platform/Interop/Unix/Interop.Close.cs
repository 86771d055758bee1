using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Unix;

internal static partial class Interop
{
    /// <summary><c>close(2)</c>; only <see cref="SafeFileDescriptor"/> calls it.</summary>
    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
