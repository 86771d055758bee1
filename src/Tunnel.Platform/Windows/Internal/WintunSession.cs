using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using Tunnel.Platform.Interop.Windows;
using static Tunnel.Platform.Interop.Windows.Interop;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>The real <see cref="IWintunSession"/>: <c>wintun.dll</c>'s ring functions on a started session.</summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class WintunSession : IWintunSession
{
    private readonly SafeWintunAdapterHandle _adapter;
    private readonly SafeWintunSessionHandle _session;
    private readonly nint _handle;
    private readonly ReadEvent _readWait;

    public WintunSession(SafeWintunAdapterHandle adapter, SafeWintunSessionHandle session)
    {
        _adapter = adapter;
        _session = session;
        _handle = session.DangerousGetHandle(); // the queue keeps every call inside the session's lifetime
        _readWait = new ReadEvent(WintunGetReadWaitEvent(session));
    }

    public WaitHandle ReadWait => _readWait;

    public int Receive(out byte* packet, out uint size)
    {
        uint length;
        packet = WintunReceivePacket(_handle, &length);
        size = length;
        return packet is null ? Marshal.GetLastPInvokeError() : 0;
    }

    public void Release(byte* packet) => WintunReleaseReceivePacket(_handle, packet);

    public int Allocate(uint size, out byte* packet)
    {
        packet = WintunAllocateSendPacket(_handle, size);
        return packet is null ? Marshal.GetLastPInvokeError() : 0;
    }

    public void Send(byte* packet) => WintunSendPacket(_handle, packet);

    public void Dispose()
    {
        _session.Dispose();
        _adapter.Dispose();
    }

    /// <summary>The session's read event, which the session owns: waited on here, never closed.</summary>
    private sealed class ReadEvent : WaitHandle
    {
        public ReadEvent(nint handle) => SafeWaitHandle = new SafeWaitHandle(handle, ownsHandle: false);
    }
}
