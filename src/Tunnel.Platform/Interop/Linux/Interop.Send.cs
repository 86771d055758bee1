using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>send(2)</c>.</summary>
    [LibraryImport(Libc, EntryPoint = "send", SetLastError = true)]
    public static unsafe partial nint Send(SafeFileDescriptor fd, byte* buffer, nuint length, int flags);
}
