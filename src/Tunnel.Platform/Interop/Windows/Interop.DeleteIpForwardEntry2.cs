using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>DeleteIpForwardEntry2</c> (netioapi.h): removes a route. Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "DeleteIpForwardEntry2")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int DeleteIpForwardEntry2(IpForwardRow2* row);
}
