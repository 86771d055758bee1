namespace Tunnel.Platform.Interop.Darwin;

/// <summary>
/// The calls and constants of macOS (Darwin) that differ from Linux: the utun control socket, the
/// <c>PF_ROUTE</c> socket and the BSD interface ioctls. The POSIX calls both share are in <c>Interop/Unix</c>.
/// </summary>
internal static partial class Interop
{
    /// <summary><c>libSystem</c>, reached through <c>/usr/lib/libc.dylib</c> in the dyld shared cache.</summary>
    public const string Libc = "libc";
}
