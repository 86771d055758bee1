namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary>The errno values the adapters act on (asm-generic/errno-base.h, errno.h).</summary>
    public static class Errors
    {
        public const int EINTR = 4;
        public const int EIO = 5;
        public const int EBADF = 9;
        public const int EFAULT = 14;
        public const int EAGAIN = 11;
        public const int ENODEV = 19;
        public const int EINVAL = 22;
        public const int EMSGSIZE = 90;
        public const int ENOTSOCK = 88;
        public const int EADDRNOTAVAIL = 99;
        public const int EBADFD = 77;
    }
}
