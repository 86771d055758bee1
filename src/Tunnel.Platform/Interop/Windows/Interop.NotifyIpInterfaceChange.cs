using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Windows;

internal static partial class Interop
{
    /// <summary>
    /// <c>NotifyIpInterfaceChange</c> (netioapi.h): calls <paramref name="callback"/> on a system thread whenever an
    /// interface's per-family settings change, one appears or one goes. The row it passes carries only the keys
    /// (family, LUID, index), so the callback reads the rest with <see cref="GetIpInterfaceEntry"/>. Returns a Win32
    /// error code, 0 on success.
    /// </summary>
    [LibraryImport(IpHlpApi, EntryPoint = "NotifyIpInterfaceChange")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    public static unsafe partial int NotifyIpInterfaceChange(
        ushort family,
        delegate* unmanaged<void*, IpInterfaceRow*, MibNotificationType, void> callback,
        void* callerContext,
        [MarshalAs(UnmanagedType.U1)] bool initialNotification,
        out SafeMibChangeNotifyHandle notificationHandle);
}
