using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunOpenAdapter</c> (wintun.h): opens an existing adapter; 0 with the error in GetLastError.</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunOpenAdapter", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial SafeWintunAdapterHandle WintunOpenAdapter(char* name);
}
