using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunGetAdapterLUID</c> (wintun.h): the adapter's interface LUID, which the IP Helper API names it by.</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunGetAdapterLUID", SetLastError = false)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial void WintunGetAdapterLUID(SafeWintunAdapterHandle adapter, ulong* luid);
}
