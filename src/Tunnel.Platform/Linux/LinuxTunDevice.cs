using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Platform.Interop.Linux;
using Tunnel.Platform.Interop.Unix;
using Tunnel.Platform.Linux.Internal;
using Tunnel.Platform.Offloads;
using Posix = Tunnel.Platform.Interop.Unix.Interop;
using static Tunnel.Platform.Interop.Linux.Interop;
using static Tunnel.Platform.Interop.Unix.Interop;

namespace Tunnel.Platform.Linux;

/// <summary>
/// A Linux TUN interface from <c>/dev/net/tun</c> (<c>IFF_TUN | IFF_NO_PI</c>: bare IP packets), by default
/// with segmentation offloads (<c>IFF_VNET_HDR</c>): a read may return a TCP or UDP super-packet of up to
/// 64 KiB, which is split here into MTU-sized packets, and a write coalesces the TCP segments (and UDP
/// datagrams) of one flow into one super-packet, so the kernel's stack handles a few large packets where it
/// would handle dozens of small ones. Reads wait in <c>poll</c> on the device and on an eventfd, so
/// <see cref="Dispose"/> wakes a blocked reader at once, and then take every packet already queued, up to
/// a batch, without blocking again.
/// </summary>
/// <remarks>
/// Creating one needs CAP_NET_ADMIN. The interface exists while the device is open and disappears when it
/// is closed. Deleting the interface (<c>ip link del</c>) makes <see cref="Read"/> throw
/// <see cref="IOException"/>, which stops a <see cref="TunnelHost"/>.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed partial class LinuxTunDevice : ITunDevice
{
    private const short IffTun = 0x0001;
    private const short IffNoPi = 0x1000;
    private const short IffVnetHdr = 0x4000;

    /// <summary><c>TUN_F_*</c> from linux/if_tun.h.</summary>
    private const uint TunFCsum = 0x01, TunFTso4 = 0x02, TunFTso6 = 0x04, TunFUso4 = 0x20, TunFUso6 = 0x40;

    private readonly SafeFileDescriptor _device;
    private readonly SafeFileDescriptor _wakeup;
    private readonly LinkEvents? _links;
    private int _mtu;
    private long _writeErrors;
    private long _readErrors;
    private int _disposed;

    private LinuxTunDevice(SafeFileDescriptor device, SafeFileDescriptor wakeup, LinkEvents? links, int mtu, string name, LinuxTunOffloads offloads)
    {
        _device = device;
        _wakeup = wakeup;
        _links = links;
        _mtu = mtu;
        Name = name;
        Offloads = offloads;
        if ((offloads & LinuxTunOffloads.VirtioHeader) != 0)
        {
            _readStaging = GC.AllocateUninitializedArray<byte>(VirtioNetHeader.Size + MaxSuperPacket, pinned: true);
            _coalescer = new PacketCoalescer(MaxBatch, coalesceUdp: (offloads & LinuxTunOffloads.UdpSegmentation) != 0);
        }
    }

    /// <summary>The most packets in a read or write batch.</summary>
    private const int MaxBatch = 128;

    /// <summary>The largest packet the kernel hands over with offloads: the IP length field's limit.</summary>
    private const int MaxSuperPacket = 65535;

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>
    /// The interface's MTU, kept current from the kernel's link notifications (read while the device waits for
    /// packets), so an <c>ip link set mtu</c> from outside is followed without a system call per read.
    /// </summary>
    public int Mtu => Volatile.Read(ref _mtu);

    /// <inheritdoc/>
    public int BatchSize => MaxBatch;

    /// <summary>The offloads agreed with the kernel when the device was opened.</summary>
    public LinuxTunOffloads Offloads { get; }

    /// <summary>Packets the kernel refused on write (malformed, or the interface was down), each dropped.</summary>
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    /// <summary>Reads dropped as malformed (a virtio header that does not match its packet, a segment larger than the buffer).</summary>
    public long ReadErrors => Interlocked.Read(ref _readErrors);

    /// <summary>Creates the interface, or attaches to an existing persistent one of that name.</summary>
    /// <param name="name">The interface name (at most 15 characters), for example <c>wg0</c>.</param>
    /// <param name="options">The MTU and whether to ask for offloads; the defaults (MTU 1420, offloads on) when <see langword="null"/>.</param>
    /// <returns>The open device.</returns>
    /// <exception cref="IOException">The device cannot be created; the message carries the errno.</exception>
    public static unsafe LinuxTunDevice Create(string name, LinuxTunDeviceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= new LinuxTunDeviceOptions();
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
            request.Flags = options.EnableOffloads ? (short)(IffTun | IffNoPi | IffVnetHdr) : (short)(IffTun | IffNoPi);
            if (Ioctl(device, TUNSETIFF, &request) < 0)
            {
                throw Failure($"create TUN interface {name}", Marshal.GetLastPInvokeError());
            }

            string actual = request.GetName();
            LinuxTunOffloads offloads = options.EnableOffloads ? NegotiateOffloads(device) : LinuxTunOffloads.None;
            if (options.Mtu is { } value)
            {
                SetMtu(actual, value);
            }

            wakeup = EventFd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (wakeup.IsInvalid)
            {
                throw Failure("eventfd", Marshal.GetLastPInvokeError());
            }

            // Subscribe before reading the MTU, so a change in between is not missed.
            LinkEvents? links = LinkEvents.TryOpen(ReadInterfaceValue(actual, SIOCGIFINDEX, "index"));
            return new LinuxTunDevice(device, wakeup, links, ReadInterfaceValue(actual, SIOCGIFMTU, "MTU"), actual, offloads);
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
    public int GetMtu() => ReadInterfaceValue(Name, SIOCGIFMTU, "MTU");

    private static unsafe int ReadInterfaceValue(string name, uint request, string what)
    {
        using SafeFileDescriptor socket = OpenControlSocket();
        InterfaceRequest argument = InterfaceRequest.ForName(name);
        if (Ioctl(socket, request, &argument) < 0)
        {
            throw Failure($"read the {what} of {name}", Marshal.GetLastPInvokeError());
        }

        return argument.Value;
    }

    /// <summary>Wakes a blocked <see cref="Read"/> (which returns 0) and closes the device, removing the interface.</summary>
    public unsafe void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ulong one = 1;
        _ = Posix.Write(_wakeup, (byte*)&one, sizeof(ulong));
        _device.Dispose(); // closed once the reader's poll has released its reference
        _wakeup.Dispose();
        _links?.Dispose();
    }

    /// <summary>
    /// Asks for checksum and segmentation offloads, UDP segmentation first where the kernel has it (6.2 and
    /// later), then TCP only; with neither, the virtio header stays but every read is a plain packet.
    /// </summary>
    private static LinuxTunOffloads NegotiateOffloads(SafeFileDescriptor device)
    {
        if (Ioctl(device, TUNSETOFFLOAD, TunFCsum | TunFTso4 | TunFTso6 | TunFUso4 | TunFUso6) == 0)
        {
            return LinuxTunOffloads.VirtioHeader | LinuxTunOffloads.Checksum | LinuxTunOffloads.TcpSegmentation | LinuxTunOffloads.UdpSegmentation;
        }

        if (Ioctl(device, TUNSETOFFLOAD, TunFCsum | TunFTso4 | TunFTso6) == 0)
        {
            return LinuxTunOffloads.VirtioHeader | LinuxTunOffloads.Checksum | LinuxTunOffloads.TcpSegmentation;
        }

        return LinuxTunOffloads.VirtioHeader;
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
        bool deviceReferenced = false, wakeupReferenced = false, linksReferenced = false;
        try
        {
            _device.DangerousAddRef(ref deviceReferenced);
            _wakeup.DangerousAddRef(ref wakeupReferenced);
            _links?.Descriptor.DangerousAddRef(ref linksReferenced);
            PollDescriptor* descriptors = stackalloc PollDescriptor[3];
            descriptors[0] = new PollDescriptor { Fd = _device.Fd, Events = POLLIN };
            descriptors[1] = new PollDescriptor { Fd = _wakeup.Fd, Events = POLLIN };
            descriptors[2] = new PollDescriptor { Fd = linksReferenced ? _links!.Descriptor.Fd : -1, Events = POLLIN };
            while (true)
            {
                if (Poll(descriptors, 3, -1) < 0)
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

                if (descriptors[2].ReturnedEvents != 0 && FollowLinkChanges())
                {
                    return false; // the MTU changed: the caller sizes its buffers before the next packet
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

            if (linksReferenced)
            {
                _links!.Descriptor.DangerousRelease();
            }
        }
    }

    /// <summary>Takes the MTU from the queued link notifications, or from the kernel when some were lost; true when it changed.</summary>
    private bool FollowLinkChanges()
    {
        int mtu = _links!.Drain();
        if (mtu < 0)
        {
            try
            {
                mtu = GetMtu();
            }
            catch (IOException)
            {
                return false; // the interface is going away: the device's own poll reports that
            }
        }

        if (mtu <= 0 || mtu == _mtu)
        {
            return false;
        }

        Volatile.Write(ref _mtu, mtu);
        return true;
    }

    private static IOException Failure(string what, int errno) =>
        new($"Cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
}
