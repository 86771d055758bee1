using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary><c>WintunAllocateSendPacket</c> (wintun.h): room for a packet in the send ring; 0 with ERROR_BUFFER_OVERFLOW (full) or ERROR_HANDLE_EOF.</summary>
    [LibraryImport(Wintun, EntryPoint = "WintunAllocateSendPacket", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.ApplicationDirectory | DllImportSearchPath.AssemblyDirectory)]
    public static unsafe partial byte* WintunAllocateSendPacket(nint session, uint size);
}
