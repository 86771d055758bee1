namespace Tunnel.Platform.Interop.Linux;

internal static partial class Interop
{
    /// <summary>The errno values the adapters act on or name (asm-generic/errno-base.h, errno.h).</summary>
    public static class Errors
    {
        public const int EPERM = 1;
        public const int ENOENT = 2;
        public const int ESRCH = 3;
        public const int EINTR = 4;
        public const int EIO = 5;
        public const int EBADF = 9;
        public const int EAGAIN = 11;
        public const int ENOMEM = 12;
        public const int EACCES = 13;
        public const int EFAULT = 14;
        public const int EBUSY = 16;
        public const int EEXIST = 17;
        public const int ENODEV = 19;
        public const int EINVAL = 22;
        public const int ERANGE = 34;
        public const int EBADFD = 77;
        public const int ENOTSOCK = 88;
        public const int EMSGSIZE = 90;
        public const int EPROTONOSUPPORT = 93;
        public const int EOPNOTSUPP = 95;
        public const int EAFNOSUPPORT = 97;
        public const int EADDRNOTAVAIL = 99;
        public const int ENETDOWN = 100;
        public const int ENETUNREACH = 101;
        public const int ENOBUFS = 105;
        public const int EHOSTUNREACH = 113;

        /// <summary>
        /// The symbolic name of the errno values rtnetlink answers with, so that a message reads like the
        /// kernel sources and man pages (<c>EEXIST</c>); others as <c>errno N</c>.
        /// </summary>
        public static string Name(int errno) => errno switch
        {
            EPERM => "EPERM",
            ENOENT => "ENOENT",
            ESRCH => "ESRCH",
            EINTR => "EINTR",
            EIO => "EIO",
            EBADF => "EBADF",
            EAGAIN => "EAGAIN",
            ENOMEM => "ENOMEM",
            EACCES => "EACCES",
            EFAULT => "EFAULT",
            EBUSY => "EBUSY",
            EEXIST => "EEXIST",
            ENODEV => "ENODEV",
            EINVAL => "EINVAL",
            ERANGE => "ERANGE",
            EBADFD => "EBADFD",
            ENOTSOCK => "ENOTSOCK",
            EMSGSIZE => "EMSGSIZE",
            EPROTONOSUPPORT => "EPROTONOSUPPORT",
            EOPNOTSUPP => "EOPNOTSUPP",
            EAFNOSUPPORT => "EAFNOSUPPORT",
            EADDRNOTAVAIL => "EADDRNOTAVAIL",
            ENETDOWN => "ENETDOWN",
            ENETUNREACH => "ENETUNREACH",
            ENOBUFS => "ENOBUFS",
            EHOSTUNREACH => "EHOSTUNREACH",
            _ => $"errno {errno}",
        };
    }
}
