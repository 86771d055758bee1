using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>ConvertInterfaceLuidToIndex</c> (netioapi.h): an interface's index from its LUID. Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "ConvertInterfaceLuidToIndex")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int ConvertInterfaceLuidToIndex(ulong* luid, uint* index);
}
