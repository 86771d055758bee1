using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>SetIpInterfaceEntry</c> (netioapi.h): writes them back (IPv4's SitePrefixLength must be 0). Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "SetIpInterfaceEntry")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int SetIpInterfaceEntry(IpInterfaceRow* row);
}
