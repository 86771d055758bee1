using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>GetIpInterfaceEntry</c> (netioapi.h): reads an interface's per-family settings (MTU, metric), by family and LUID. Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "GetIpInterfaceEntry")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int GetIpInterfaceEntry(IpInterfaceRow* row);
}
