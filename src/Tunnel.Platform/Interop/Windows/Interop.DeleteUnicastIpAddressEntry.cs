using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>DeleteUnicastIpAddressEntry</c> (netioapi.h): removes an address. Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "DeleteUnicastIpAddressEntry")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int DeleteUnicastIpAddressEntry(UnicastIpAddressRow* row);
}
