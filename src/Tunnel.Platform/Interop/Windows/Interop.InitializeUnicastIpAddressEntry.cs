using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>InitializeUnicastIpAddressEntry</c> (netioapi.h): fills an address row with its defaults (infinite lifetimes, origins unchanged).</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "InitializeUnicastIpAddressEntry")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial void InitializeUnicastIpAddressEntry(UnicastIpAddressRow* row);
}
