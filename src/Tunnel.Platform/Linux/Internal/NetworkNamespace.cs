using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Platform.Interop.Unix;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>
/// Runs code inside a named network namespace (one made by <c>ip netns add</c>, bound at
/// <c>/var/run/netns/NAME</c>). A namespace belongs to a thread, not to the process, so the code runs on a
/// thread of its own that enters the namespace first and leaves it afterwards. Whatever that code opens
/// stays in the namespace after it returns: a netlink socket, a TUN device (its interface), a UDP socket.
/// </summary>
/// <remarks>Needs CAP_SYS_ADMIN. Used where something is opened in a named namespace (a connection made there, tests); the calling thread never changes namespace.</remarks>
[SupportedOSPlatform("linux")]
internal static class NetworkNamespace
{
    /// <summary>Where <c>ip netns</c> binds named namespaces.</summary>
    public const string Directory = "/var/run/netns";

    /// <summary>Runs <paramref name="action"/> in the namespace <paramref name="name"/> and returns its result, or rethrows its exception.</summary>
    public static T Run<T>(string name, Func<T> action)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(action);
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a namespace name.", nameof(name));
        }

        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = RunInside(Path.Combine(Directory, name), action);
            }
            catch (Exception error)
            {
                failure = ExceptionDispatchInfo.Capture(error);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {name}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>Runs <paramref name="action"/> in the namespace <paramref name="name"/>.</summary>
    public static void Run(string name, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _ = Run(name, () =>
        {
            action();
            return true;
        });
    }

    private static T RunInside<T>(string path, Func<T> action)
    {
        // The thread's own namespace, to return to: the thread is ours alone and ends right after, but a
        // runtime that kept it (or ran finalizers on it) must not find it somewhere else.
        using SafeFileDescriptor original = OpenNamespace("/proc/thread-self/ns/net");
        using (SafeFileDescriptor target = OpenNamespace(path))
        {
            Enter(target, path);
        }

        try
        {
            return action();
        }
        finally
        {
            Enter(original, "the original network namespace");
        }
    }

    private static SafeFileDescriptor OpenNamespace(string path)
    {
        SafeFileDescriptor fd = Open(path, O_RDONLY | O_CLOEXEC);
        if (fd.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            fd.Dispose();
            throw new IOException($"Cannot open {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
        }

        return fd;
    }

    private static void Enter(SafeFileDescriptor fd, string what)
    {
        if (SetNs(fd, CLONE_NEWNET) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot enter {what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
        }
    }
}
