using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>CreateUnicastIpAddressEntry</c> (netioapi.h): adds an address to an interface. Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "CreateUnicastIpAddressEntry")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int CreateUnicastIpAddressEntry(UnicastIpAddressRow* row);
}
