using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Unix;

/// <summary>A file descriptor closed exactly once, and only after every call using it has returned.</summary>
internal sealed class SafeFileDescriptor : SafeHandle
{
    public SafeFileDescriptor()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == -1;

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}
