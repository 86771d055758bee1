using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Platform.Interop.Windows;
using static Tunnel.Platform.Interop.Windows.Interop;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>
/// Follows one interface's MTU through the IP Helper API's interface change notifications: when a setting of the
/// interface changes (<c>netsh interface ipv4 set subinterface ... mtu=</c>, say) or a family appears on it, the MTU
/// is read again and reported. The notification carries only the row's keys, so the MTU is always read, never
/// guessed.
/// </summary>
internal sealed unsafe class WindowsMtuWatcher : IDisposable
{
    private readonly ulong _luid;
    private readonly Func<int> _queryMtu;
    private readonly Action<int> _onMtu;
    private SafeMibChangeNotifyHandle? _registration;
    private GCHandle _self;

    /// <param name="luid">The interface to follow.</param>
    /// <param name="queryMtu">Reads the interface's MTU now; throws <see cref="IOException"/> when it cannot.</param>
    /// <param name="onMtu">Told each MTU read after a change; called on a system thread, so it must not block.</param>
    public WindowsMtuWatcher(ulong luid, Func<int> queryMtu, Action<int> onMtu)
    {
        _luid = luid;
        _queryMtu = queryMtu;
        _onMtu = onMtu;
    }

    /// <summary>Starts following <paramref name="luid"/>'s MTU, for IPv4 and IPv6.</summary>
    /// <exception cref="IOException">Windows refused the registration.</exception>
    [SupportedOSPlatform("windows")]
    public static WindowsMtuWatcher Start(ulong luid, Action<int> onMtu)
    {
        var watcher = new WindowsMtuWatcher(luid, () => WindowsInterfaceControl.GetMtu(luid), onMtu);
        watcher._self = GCHandle.Alloc(watcher);
        int error = NotifyIpInterfaceChange(
            SocketAddressInet.AfUnspec, &OnNotification, (void*)GCHandle.ToIntPtr(watcher._self), initialNotification: false, out SafeMibChangeNotifyHandle registration);
        if (error != 0)
        {
            registration.Dispose();
            watcher._self.Free();
            throw WindowsInterfaceControl.Failure("follow the adapter's MTU (NotifyIpInterfaceChange)", error);
        }

        watcher._registration = registration;
        return watcher;
    }

    /// <summary>What one notification means for this interface: read the MTU again and report it, or nothing.</summary>
    /// <returns>Whether an MTU was reported.</returns>
    public bool OnChange(ulong luid, MibNotificationType type)
    {
        if (luid != _luid || type is not (MibNotificationType.ParameterChange or MibNotificationType.AddInstance))
        {
            return false; // another interface, or ours going: the session reports removal on its own
        }

        int mtu;
        try
        {
            mtu = _queryMtu();
        }
        catch (IOException)
        {
            return false; // the interface went between the change and the read
        }

        if (mtu <= 0)
        {
            return false;
        }

        _onMtu(mtu);
        return true;
    }

    /// <summary>Ends the registration (waiting for a callback in flight), then lets the watcher be collected.</summary>
    public void Dispose()
    {
        _registration?.Dispose();
        _registration = null;
        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    [UnmanagedCallersOnly]
    private static void OnNotification(void* context, IpInterfaceRow* row, MibNotificationType type)
    {
        if (row is null)
        {
            return; // the initial notification, which was not asked for, carries no row
        }

        try
        {
            var watcher = (WindowsMtuWatcher)GCHandle.FromIntPtr((IntPtr)context).Target!;
            _ = watcher.OnChange(row->InterfaceLuid, type);
        }
        catch (Exception)
        {
            // Nothing may escape into the system's thread: a lost MTU update is the worst this costs.
        }
    }
}
