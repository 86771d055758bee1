using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary>
    /// <c>CancelMibChangeNotify2</c> (netioapi.h): ends a registration; returns once no callback of it is running, so it
    /// must never be called from inside one. Returns a Win32 error code, 0 on success.
    /// </summary>
    [LibraryImport(IpHlpApi, EntryPoint = "CancelMibChangeNotify2")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static partial int CancelMibChangeNotify2(IntPtr notificationHandle);
}
