using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunGetRunningDriverVersion</c> (wintun.h): the loaded driver's version, or 0 (ERROR_FILE_NOT_FOUND: none loaded).</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunGetRunningDriverVersion", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial uint WintunGetRunningDriverVersion();
}
