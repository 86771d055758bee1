using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Platform.Interop.Linux;
using Native = Tunnel.Platform.Interop.Linux.Interop;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux;

/// <summary>
/// A Linux TUN interface from <c>/dev/net/tun</c> (<c>IFF_TUN | IFF_NO_PI</c>: bare IP packets). Reads wait
/// in <c>poll</c> on the device and on an eventfd, so <see cref="Dispose"/> wakes a blocked reader at once,
/// and then take every packet already queued, up to a batch, without blocking again.
/// </summary>
/// <remarks>
/// Creating one needs CAP_NET_ADMIN. The interface exists while the device is open and disappears when it
/// is closed. Deleting the interface (<c>ip link del</c>) makes <see cref="Read"/> throw
/// <see cref="IOException"/>, which stops a <see cref="TunnelHost"/>.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class LinuxTunDevice : ITunDevice
{
    private const short IffTun = 0x0001;
    private const short IffNoPi = 0x1000;

    private readonly SafeFileDescriptor _device;
    private readonly SafeFileDescriptor _wakeup;
    private long _writeErrors;
    private int _disposed;

    private LinuxTunDevice(SafeFileDescriptor device, SafeFileDescriptor wakeup, string name)
    {
        _device = device;
        _wakeup = wakeup;
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int BatchSize => 64;

    /// <summary>Packets the kernel refused on write (malformed, or the interface was down), each dropped.</summary>
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    /// <summary>Creates the interface, or attaches to an existing persistent one of that name.</summary>
    /// <param name="name">The interface name (at most 15 characters), for example <c>wg0</c>.</param>
    /// <param name="mtu">The MTU to set, or <see langword="null"/> to keep the kernel's.</param>
    /// <returns>The open device.</returns>
    /// <exception cref="IOException">The device cannot be created; the message carries the errno.</exception>
    public static unsafe LinuxTunDevice Create(string name, int? mtu = 1420)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        InterfaceRequest request = InterfaceRequest.ForName(name);
        SafeFileDescriptor device = Open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (device.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            device.Dispose();
            throw Failure("open /dev/net/tun", errno);
        }

        SafeFileDescriptor? wakeup = null;
        try
        {
            request.Flags = IffTun | IffNoPi;
            if (Ioctl(device, TUNSETIFF, &request) < 0)
            {
                throw Failure($"create TUN interface {name}", Marshal.GetLastPInvokeError());
            }

            string actual = request.GetName();
            if (mtu is { } value)
            {
                SetMtu(actual, value);
            }

            wakeup = EventFd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (wakeup.IsInvalid)
            {
                throw Failure("eventfd", Marshal.GetLastPInvokeError());
            }

            return new LinuxTunDevice(device, wakeup, actual);
        }
        catch
        {
            wakeup?.Dispose();
            device.Dispose();
            throw;
        }
    }

    /// <summary>The interface's MTU as the kernel has it now (an administrator may change it with <c>ip link</c>).</summary>
    /// <returns>The MTU.</returns>
    public unsafe int GetMtu()
    {
        using SafeFileDescriptor socket = OpenControlSocket();
        InterfaceRequest request = InterfaceRequest.ForName(Name);
        if (Ioctl(socket, SIOCGIFMTU, &request) < 0)
        {
            throw Failure($"read the MTU of {Name}", Marshal.GetLastPInvokeError());
        }

        return request.Value;
    }

    /// <inheritdoc/>
    public unsafe int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset)
    {
        int limit = Math.Min(Math.Min(buffers.Length, sizes.Length), BatchSize);
        int count = 0;
        while (count == 0)
        {
            if (!WaitReadable())
            {
                return 0;
            }

            while (count < limit)
            {
                Span<byte> target = buffers[count].Span[offset..];
                nint read;
                fixed (byte* pointer = target)
                {
                    read = Native.Read(_device, pointer, (nuint)target.Length);
                }

                if (read >= 0)
                {
                    sizes[count++] = (int)read;
                    continue;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errors.EINTR)
                {
                    continue;
                }

                if (errno == Errors.EAGAIN)
                {
                    break;
                }

                if (Volatile.Read(ref _disposed) != 0)
                {
                    return count;
                }

                throw Failure($"read from {Name}", errno);
            }
        }

        return count;
    }

    /// <inheritdoc/>
    public unsafe void Write(ReadOnlySpan<ReadOnlyMemory<byte>> packets)
    {
        foreach (ReadOnlyMemory<byte> packet in packets)
        {
            ReadOnlySpan<byte> bytes = packet.Span;
            while (true)
            {
                nint written;
                fixed (byte* pointer = bytes)
                {
                    written = Native.Write(_device, pointer, (nuint)bytes.Length);
                }

                if (written >= 0)
                {
                    break;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errors.EINTR)
                {
                    continue;
                }

                if (errno is Errors.EBADFD or Errors.EBADF or Errors.ENODEV && Volatile.Read(ref _disposed) == 0)
                {
                    throw Failure($"write to {Name}", errno);
                }

                Interlocked.Increment(ref _writeErrors); // one packet refused; the interface is still there
                break;
            }
        }
    }

    /// <summary>Wakes a blocked <see cref="Read"/> (which returns 0) and closes the device, removing the interface.</summary>
    public unsafe void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ulong one = 1;
        _ = Native.Write(_wakeup, (byte*)&one, sizeof(ulong));
        _device.Dispose(); // closed once the reader's poll has released its reference
        _wakeup.Dispose();
    }

    private static unsafe void SetMtu(string name, int mtu)
    {
        using SafeFileDescriptor socket = OpenControlSocket();
        InterfaceRequest request = InterfaceRequest.ForName(name);
        request.Value = mtu;
        if (Ioctl(socket, SIOCSIFMTU, &request) < 0)
        {
            throw Failure($"set the MTU of {name} to {mtu}", Marshal.GetLastPInvokeError());
        }
    }

    private static SafeFileDescriptor OpenControlSocket()
    {
        SafeFileDescriptor socket = Socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (socket.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            socket.Dispose();
            throw Failure("open a control socket", errno);
        }

        return socket;
    }

    /// <summary>Blocks until the device is readable (true) or the wakeup fired (false).</summary>
    private unsafe bool WaitReadable()
    {
        bool deviceReferenced = false, wakeupReferenced = false;
        try
        {
            _device.DangerousAddRef(ref deviceReferenced);
            _wakeup.DangerousAddRef(ref wakeupReferenced);
            PollDescriptor* descriptors = stackalloc PollDescriptor[2];
            descriptors[0] = new PollDescriptor { Fd = _device.Fd, Events = POLLIN };
            descriptors[1] = new PollDescriptor { Fd = _wakeup.Fd, Events = POLLIN };
            while (true)
            {
                if (Poll(descriptors, 2, -1) < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errors.EINTR)
                    {
                        continue;
                    }

                    throw Failure($"poll {Name}", errno);
                }

                if (descriptors[1].ReturnedEvents != 0 || Volatile.Read(ref _disposed) != 0)
                {
                    return false;
                }

                short events = descriptors[0].ReturnedEvents;
                if ((events & (POLLERR | POLLHUP | POLLNVAL)) != 0)
                {
                    throw new IOException($"The TUN interface {Name} is gone (poll events 0x{events:x}).");
                }

                if ((events & POLLIN) != 0)
                {
                    return true;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return false; // closed before the poll began
        }
        finally
        {
            if (deviceReferenced)
            {
                _device.DangerousRelease();
            }

            if (wakeupReferenced)
            {
                _wakeup.DangerousRelease();
            }
        }
    }

    private static IOException Failure(string what, int errno) =>
        new($"Cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
}
