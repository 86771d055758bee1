namespace Tunnel.Platform.Interop.Linux;

/// <summary>The native libraries the Linux adapters call.</summary>
internal static partial class Interop
{
    /// <summary>The C library (glibc or musl); its system-call wrappers set errno, read back with <c>Marshal.GetLastPInvokeError</c>.</summary>
    public const string Libc = "libc";
}
