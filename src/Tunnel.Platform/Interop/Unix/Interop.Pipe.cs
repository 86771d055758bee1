using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Unix;

internal static partial class Interop
{
    /// <summary>
    /// <c>pipe(2)</c>: a pipe's write end wakes a reader blocked in <c>poll</c> where there is no eventfd (macOS). The
    /// caller wraps both descriptors in handles at once.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "pipe", SetLastError = true)]
    public static unsafe partial int Pipe(int* descriptors);
}
