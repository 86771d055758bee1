using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>GetBestRoute2</c> (netioapi.h): the route the system would take to a destination now. Returns a Win32 error code, 0 on success.</summary>
    [LibraryImport(IpHlpApi, EntryPoint = "GetBestRoute2")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int GetBestRoute2(ulong* luid, uint index, SocketAddressInet* source, SocketAddressInet* destination, uint sortOptions, IpForwardRow2* bestRoute, SocketAddressInet* bestSource);
}
