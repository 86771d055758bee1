using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Unix;

internal static partial class Interop
{
    /// <summary><c>write(2)</c>.</summary>
    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(SafeFileDescriptor fd, byte* buffer, nuint count);
}
