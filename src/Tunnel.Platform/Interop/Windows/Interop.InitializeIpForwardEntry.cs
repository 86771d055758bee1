using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>InitializeIpForwardEntry</c> (netioapi.h): fills a route row with its defaults (metric and protocol left illegal: the caller sets them).</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "InitializeIpForwardEntry")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial void InitializeIpForwardEntry(IpForwardRow2* row);
}
