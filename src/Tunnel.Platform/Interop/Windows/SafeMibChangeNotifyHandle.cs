using Microsoft.Win32.SafeHandles;

namespace Tunnel.Platform.Interop.Windows;

/// <summary>A change-notification registration of the IP Helper API, cancelled exactly once.</summary>
internal sealed class SafeMibChangeNotifyHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeMibChangeNotifyHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => Interop.CancelMibChangeNotify2(handle) == 0;
}
