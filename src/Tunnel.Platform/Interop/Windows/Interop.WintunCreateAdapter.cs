using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunCreateAdapter</c> (wintun.h): creates an adapter (removed again by <c>WintunCloseAdapter</c>); 0 with the error in GetLastError.</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunCreateAdapter", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial SafeWintunAdapterHandle WintunCreateAdapter(char* name, char* tunnelType, Guid* requestedGuid);
}
