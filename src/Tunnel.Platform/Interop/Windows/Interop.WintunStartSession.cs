using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunStartSession</c> (wintun.h): starts a session with rings of <paramref name="capacity"/> bytes (a power of two from 128 KiB to 64 MiB); 0 with the error in GetLastError.</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunStartSession", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial SafeWintunSessionHandle WintunStartSession(SafeWintunAdapterHandle adapter, uint capacity);
}
