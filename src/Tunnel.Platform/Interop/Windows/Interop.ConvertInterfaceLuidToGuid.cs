using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>ConvertInterfaceLuidToGuid</c> (netioapi.h): an interface's GUID from its LUID, which the DNS settings name it by. Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "ConvertInterfaceLuidToGuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int ConvertInterfaceLuidToGuid(ulong* luid, Guid* guid);
}
