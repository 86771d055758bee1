using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunGetReadWaitEvent</c> (wintun.h): the event signalled when the receive ring has packets; owned by the session, never closed by the caller.</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunGetReadWaitEvent", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial nint WintunGetReadWaitEvent(SafeWintunSessionHandle session);
}
