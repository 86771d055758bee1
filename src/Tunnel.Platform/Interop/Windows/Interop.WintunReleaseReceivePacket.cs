using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunReleaseReceivePacket</c> (wintun.h): gives a received packet's room back (reclaimed in receive order).</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunReleaseReceivePacket", SetLastError = false)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial void WintunReleaseReceivePacket(nint session, byte* packet);
}
