using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Unix;

internal static partial class Interop
{
    public const short POLLIN = 0x1;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    /// <summary><c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollDescriptor
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>
    /// <c>poll(2)</c>. Takes raw descriptors: the caller holds a reference on each handle
    /// (<c>DangerousAddRef</c>) for the duration of the call.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollDescriptor* descriptors, nuint count, int timeoutMilliseconds);
}
