namespace Tunnel.Platform.Interop.Darwin;

internal static partial class Interop
{
    /// <summary>The errno values the macOS adapters act on (sys/errno.h); several differ from Linux's.</summary>
    public static class Errors
    {
        public const int ENOENT = 2;
        public const int ESRCH = 3;
        public const int EINTR = 4;
        public const int ENXIO = 6;
        public const int EBUSY = 16;
        public const int EEXIST = 17;
        public const int EINVAL = 22;
        public const int EAGAIN = 35;
        public const int EADDRNOTAVAIL = 49;
        public const int ENETUNREACH = 51;
        public const int ENOBUFS = 55;
    }
}
