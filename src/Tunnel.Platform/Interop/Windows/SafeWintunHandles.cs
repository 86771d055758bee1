using Microsoft.Win32.SafeHandles;

namespace Tunnel.Platform.Interop.Windows;

/// <summary>A Wintun adapter, closed (and removed, when this process created it) exactly once.</summary>
internal sealed class SafeWintunAdapterHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeWintunAdapterHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Interop.WintunCloseAdapter(handle);
        return true;
    }
}

/// <summary>A Wintun session, ended exactly once, after every call using it has returned.</summary>
internal sealed class SafeWintunSessionHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeWintunSessionHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Interop.WintunEndSession(handle);
        return true;
    }
}
