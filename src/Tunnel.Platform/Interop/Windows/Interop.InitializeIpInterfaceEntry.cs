using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>InitializeIpInterfaceEntry</c> (netioapi.h): fills an interface row with its defaults.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "InitializeIpInterfaceEntry")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial void InitializeIpInterfaceEntry(IpInterfaceRow* row);
}
