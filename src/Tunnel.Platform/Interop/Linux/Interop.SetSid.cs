using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary><c>setsid(2)</c>: a new session with no controlling terminal.</summary>
    [LibraryImport(Libc, EntryPoint = "setsid", SetLastError = true)]
    public static partial int SetSid();
}
