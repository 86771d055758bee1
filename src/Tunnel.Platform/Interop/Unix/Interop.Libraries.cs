namespace Tunnel.Platform.Interop.Unix;

/// <summary>
/// The POSIX calls whose signature and structures are the same on Linux and macOS; each OS's own calls and
/// constants are in <c>Interop/Linux</c> and <c>Interop/Darwin</c>.
/// </summary>
internal static partial class Interop
{
    /// <summary>
    /// The C library: glibc or musl on Linux, <c>libSystem</c> (through <c>/usr/lib/libc.dylib</c>) on macOS. Its
    /// system-call wrappers set errno, read back with <c>Marshal.GetLastPInvokeError</c>.
    /// </summary>
    public const string Libc = "libc";
}
