using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Unix;

internal static partial class Interop
{
    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct IOVector
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary><c>writev(2)</c>: one packet gathered from several buffers (a coalesced TUN write).</summary>
    [LibraryImport(Libc, EntryPoint = "writev", SetLastError = true)]
    public static unsafe partial nint Writev(SafeFileDescriptor fd, IOVector* vectors, int count);
}
