using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Platform.Interop.Darwin;
using Tunnel.Platform.Interop.Unix;
using static Tunnel.Platform.Interop.Darwin.Interop;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>The BSD interface ioctls on an <c>AF_INET</c> (or <c>AF_INET6</c>) datagram socket: MTU and addresses.</summary>
[SupportedOSPlatform("macos")]
internal static class DarwinInterfaceControl
{
    public static unsafe int GetMtu(string name)
    {
        using SafeFileDescriptor socket = OpenSocket(AF_INET);
        InterfaceRequest request = InterfaceRequest.ForName(name);
        Check(Ioctl(socket, SIOCGIFMTU, &request), $"read the MTU of {name}");
        return request.Value;
    }

    public static unsafe void SetMtu(string name, int mtu)
    {
        using SafeFileDescriptor socket = OpenSocket(AF_INET);
        InterfaceRequest request = InterfaceRequest.ForName(name);
        request.Value = mtu;
        Check(Ioctl(socket, SIOCSIFMTU, &request), $"set the MTU of {name} to {mtu}");
    }

    /// <summary>Runs an interface ioctl on a socket of <paramref name="family"/>; false with the errno when the kernel refused.</summary>
    public static unsafe bool TryIoctl(int family, uint request, void* argument, out int errno)
    {
        using SafeFileDescriptor socket = OpenSocket(family);
        if (Ioctl(socket, request, argument) < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return false;
        }

        errno = 0;
        return true;
    }

    private static SafeFileDescriptor OpenSocket(int family)
    {
        SafeFileDescriptor socket = Socket(family, SOCK_DGRAM, 0);
        if (socket.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            socket.Dispose();
            throw Failure("open a control socket", errno);
        }

        return socket;
    }

    private static void Check(int result, string what)
    {
        if (result < 0)
        {
            throw Failure(what, Marshal.GetLastPInvokeError());
        }
    }

    public static IOException Failure(string what, int errno) =>
        new($"Cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
}
