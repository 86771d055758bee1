using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Tunnel.Platform.Darwin.Internal;
using Tunnel.Platform.Interop.Darwin;
using Tunnel.Platform.Interop.Unix;
using static Tunnel.Platform.Interop.Darwin.Interop;
using Posix = Tunnel.Platform.Interop.Unix.Interop;

namespace Tunnel.Platform.Darwin;

/// <summary>
/// A macOS utun interface: a <c>PF_SYSTEM</c> kernel-control socket connected to
/// <c>com.apple.net.utun_control</c>. The kernel names the interface (<c>utunN</c>): ask for <c>utunN</c> to get
/// that unit, or for any other name to get the next free one, and read <see cref="Name"/> for the result. Each
/// packet crosses the socket behind a 4-byte protocol family, which is written into the head room the engine
/// keeps in front of each packet and read apart with vectored I/O, so no packet is copied.
/// </summary>
/// <remarks>
/// Creating one needs root. The interface exists while the device is open and disappears when it is closed.
/// </remarks>
[SupportedOSPlatform("macos")]
public sealed class DarwinTunDevice : ITunDevice
{
    private readonly UtunSocket _socket;

    private DarwinTunDevice(UtunSocket socket, uint index)
    {
        _socket = socket;
        InterfaceIndex = index;
    }

    /// <inheritdoc/>
    public string Name => _socket.Name;

    /// <summary>The interface's index, which routes through it name.</summary>
    public uint InterfaceIndex { get; }

    /// <summary>The interface's MTU, kept current from the routing socket's <c>RTM_IFINFO</c> messages.</summary>
    public int Mtu => _socket.Mtu;

    /// <inheritdoc/>
    public int BatchSize => UtunSocket.MaxBatch;

    /// <summary>Packets dropped on read: malformed, or larger than the buffers the engine gave.</summary>
    public long ReadErrors => _socket.ReadErrors;

    /// <summary>Packets dropped on write: not IP, or refused by the kernel.</summary>
    public long WriteErrors => _socket.WriteErrors;

    /// <summary>Creates a utun interface.</summary>
    /// <param name="name"><c>utunN</c> for that unit; anything else (<c>utun</c>, <c>wg0</c>) for the next free one.</param>
    /// <param name="options">The MTU and whether to follow its changes; the defaults when null.</param>
    /// <returns>The open device; <see cref="Name"/> is the interface the kernel made.</returns>
    /// <exception cref="IOException">The kernel refused (not root, or the unit is taken); the message carries the errno.</exception>
    public static unsafe DarwinTunDevice Create(string name, DarwinTunDeviceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= new DarwinTunDeviceOptions();
        SafeFileDescriptor device = Open(Socket(AF_SYSTEM, SOCK_DGRAM, SYSPROTO_CONTROL), "open a kernel control socket");
        SafeFileDescriptor? routes = null;
        try
        {
            ControlInfo info = ControlInfo.ForName(ControlInfo.UtunControlName);
            if (Ioctl(device, CTLIOCGINFO, &info) < 0)
            {
                throw Failure($"find {ControlInfo.UtunControlName}", Marshal.GetLastPInvokeError());
            }

            var address = new SocketAddressControl
            {
                Length = SocketAddressControl.Size,
                Family = AF_SYSTEM,
                SystemAddress = AF_SYS_CONTROL,
                Id = info.Id,
                Unit = UtunUnit.For(name),
            };
            if (Connect(device, &address, SocketAddressControl.Size) < 0)
            {
                throw Failure($"create the utun interface for {name}", Marshal.GetLastPInvokeError());
            }

            MakeNonBlocking(device);
            string actual = ReadName(device);
            if (options.Mtu is { } mtu)
            {
                DarwinInterfaceControl.SetMtu(actual, mtu);
            }

            uint index = Posix.IfNameToIndex(actual);
            if (options.FollowMtu)
            {
                // Subscribed before the MTU is read, so a change in between is not missed.
                routes = Open(Socket(AF_ROUTE, SOCK_RAW, AF_UNSPEC), "open a routing socket");
                MakeNonBlocking(routes);
            }

            var socket = new UtunSocket(device, routes, index, DarwinInterfaceControl.GetMtu(actual), actual, Errors.EAGAIN, () => DarwinInterfaceControl.GetMtu(actual));
            return new DarwinTunDevice(socket, index);
        }
        catch
        {
            routes?.Dispose();
            device.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset) => _socket.Read(buffers, sizes, offset);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<Memory<byte>> packets, int offset) => _socket.Write(packets, offset);

    /// <summary>Wakes a blocked <see cref="Read"/> (which returns 0) and closes the socket, removing the interface.</summary>
    public void Dispose() => _socket.Dispose();

    private static unsafe string ReadName(SafeFileDescriptor device)
    {
        byte* name = stackalloc byte[InterfaceRequest.NameSize];
        uint length = InterfaceRequest.NameSize;
        if (GetSockOpt(device, SYSPROTO_CONTROL, UTUN_OPT_IFNAME, name, &length) < 0)
        {
            throw Failure("read the utun interface's name", Marshal.GetLastPInvokeError());
        }

        var span = new ReadOnlySpan<byte>(name, (int)Math.Min(length, InterfaceRequest.NameSize));
        int end = span.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
    }

    private static void MakeNonBlocking(SafeFileDescriptor descriptor)
    {
        int flags = Fcntl(descriptor, F_GETFL, 0);
        if (flags < 0 || Fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) < 0 || Fcntl(descriptor, F_SETFD, FD_CLOEXEC) < 0)
        {
            throw Failure("make a descriptor non-blocking", Marshal.GetLastPInvokeError());
        }
    }

    private static SafeFileDescriptor Open(SafeFileDescriptor descriptor, string what)
    {
        if (descriptor.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            descriptor.Dispose();
            throw Failure(what, errno);
        }

        return descriptor;
    }

    private static IOException Failure(string what, int errno) =>
        new($"Cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
}
