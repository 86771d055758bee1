using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunSendPacket</c> (wintun.h): sends an allocated packet (in allocation order).</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunSendPacket", SetLastError = false)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial void WintunSendPacket(nint session, byte* packet);
}
