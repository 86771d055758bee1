using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>CreateIpForwardEntry2</c> (netioapi.h): adds a route. Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "CreateIpForwardEntry2")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int CreateIpForwardEntry2(IpForwardRow2* row);
}
