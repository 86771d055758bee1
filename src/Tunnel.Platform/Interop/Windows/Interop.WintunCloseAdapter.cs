using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunCloseAdapter</c> (wintun.h): releases an adapter, removing it if this process created it.</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunCloseAdapter", SetLastError = false)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial void WintunCloseAdapter(nint adapter);
}
