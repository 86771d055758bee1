using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunEndSession</c> (wintun.h): ends a session; no call on it may be in progress.</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunEndSession", SetLastError = false)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial void WintunEndSession(nint session);
}
