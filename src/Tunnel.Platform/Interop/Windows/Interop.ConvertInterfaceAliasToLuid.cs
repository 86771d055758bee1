using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>ConvertInterfaceAliasToLuid</c> (netioapi.h): an interface's LUID from its name (alias). Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "ConvertInterfaceAliasToLuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int ConvertInterfaceAliasToLuid(char* alias, ulong* luid);
}
