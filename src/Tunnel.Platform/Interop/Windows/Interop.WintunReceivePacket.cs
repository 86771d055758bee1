using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunReceivePacket</c> (wintun.h): the next received packet, in the ring; 0 with ERROR_NO_MORE_ITEMS (empty), ERROR_HANDLE_EOF (the adapter is going) or ERROR_INVALID_DATA (a corrupt ring).</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunReceivePacket", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial byte* WintunReceivePacket(nint session, uint* size);
}
