using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;
using DarwinInterop = Tunnel.Platform.Interop.Darwin.Interop;
using Posix = Tunnel.Platform.Interop.Unix.Interop;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>
/// The data path of a utun interface: a kernel-control datagram socket on which each packet is preceded by a
/// 4-byte protocol family in network byte order (<c>AF_INET</c> 2, <c>AF_INET6</c> 30 on Darwin). Reads scatter
/// the family into a header of its own and the packet into the caller's buffer; writes put the family into the
/// head room in front of the packet, so neither direction copies a packet. Reads wait in <c>poll</c> on the
/// socket, a wake-up pipe (so <see cref="Dispose"/> ends a blocked read at once) and, when given, a
/// <c>PF_ROUTE</c> socket whose <c>RTM_IFINFO</c> messages carry the interface's MTU.
/// </summary>
/// <remarks>
/// Nothing here is specific to the utun control socket but the framing, so the tests run it on Linux over a
/// datagram <c>socketpair</c>; the errno that means "nothing queued" is a constructor argument for that reason.
/// </remarks>
internal sealed class UtunSocket : IDisposable
{
    /// <summary>The protocol family header in front of each packet.</summary>
    public const int HeaderSize = 4;

    /// <summary>The most packets in one read batch.</summary>
    public const int MaxBatch = 64;

    private const int RouteBufferSize = 4096;

    private readonly SafeFileDescriptor _device;
    private readonly SafeFileDescriptor? _routes;
    private readonly SafeFileDescriptor _wakeRead;
    private readonly SafeFileDescriptor _wakeWrite;
    private readonly uint _interfaceIndex;
    private readonly int _wouldBlock;
    private readonly Func<int>? _queryMtu;
    private readonly byte[] _routeBuffer = GC.AllocateUninitializedArray<byte>(RouteBufferSize, pinned: true);
    private int _mtu;
    private long _readErrors;
    private long _writeErrors;
    private int _disposed;

    /// <summary>Takes ownership of the descriptors.</summary>
    /// <param name="device">The connected utun socket (or a stand-in), non-blocking.</param>
    /// <param name="routes">A non-blocking <c>PF_ROUTE</c> socket, or null to not follow the MTU.</param>
    /// <param name="interfaceIndex">The interface's index, to pick its <c>RTM_IFINFO</c> messages.</param>
    /// <param name="mtu">The interface's MTU now.</param>
    /// <param name="name">The interface's name, for messages.</param>
    /// <param name="wouldBlock">The errno of a non-blocking call that found nothing to do (<c>EAGAIN</c>: 35 on Darwin).</param>
    /// <param name="queryMtu">Reads the MTU from the system when route messages were lost; null to keep the last known.</param>
    public unsafe UtunSocket(SafeFileDescriptor device, SafeFileDescriptor? routes, uint interfaceIndex, int mtu, string name, int wouldBlock, Func<int>? queryMtu = null)
    {
        int* pipe = stackalloc int[2];
        if (Posix.Pipe(pipe) < 0)
        {
            throw Failure("create a wake-up pipe", Marshal.GetLastPInvokeError());
        }

        _wakeRead = new SafeFileDescriptor();
        _wakeWrite = new SafeFileDescriptor();
        Marshal.InitHandle(_wakeRead, pipe[0]);
        Marshal.InitHandle(_wakeWrite, pipe[1]);
        _device = device;
        _routes = routes;
        _interfaceIndex = interfaceIndex;
        _mtu = mtu;
        Name = name;
        _wouldBlock = wouldBlock;
        _queryMtu = queryMtu;
    }

    /// <summary>The interface's name.</summary>
    public string Name { get; }

    /// <summary>The interface's MTU, kept current from <c>RTM_IFINFO</c> messages.</summary>
    public int Mtu => Volatile.Read(ref _mtu);

    /// <summary>Packets dropped on read: shorter than a header, of an unknown family, or larger than the buffer.</summary>
    public long ReadErrors => Interlocked.Read(ref _readErrors);

    /// <summary>Packets dropped on write: not IPv4 or IPv6, or refused by the kernel (its queue full, say).</summary>
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    /// <summary>Reads as <see cref="ITunDevice.Read"/> does: blocks for the first packet, then takes what is queued.</summary>
    public int Read(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset)
    {
        int limit = Math.Min(Math.Min(buffers.Length, sizes.Length), MaxBatch);
        while (Volatile.Read(ref _disposed) == 0)
        {
            int count = ReadQueued(buffers, sizes, offset, limit);
            if (count != 0)
            {
                return Math.Max(count, 0);
            }

            if (!WaitReadable())
            {
                return 0; // closed, or the MTU changed: the caller sizes its buffers and reads again
            }
        }

        return 0;
    }

    /// <summary>Writes each packet with its family header; a packet that is neither IPv4 nor IPv6 is dropped and counted.</summary>
    public unsafe void Write(ReadOnlySpan<Memory<byte>> packets, int offset)
    {
        Span<byte> scratch = stackalloc byte[HeaderSize];
        Posix.IOVector* vectors = stackalloc Posix.IOVector[2];
        foreach (Memory<byte> packet in packets)
        {
            Span<byte> buffer = packet.Span;
            if (buffer.Length <= offset)
            {
                continue;
            }

            int family = FamilyOf(buffer[offset]);
            if (family == 0)
            {
                Interlocked.Increment(ref _writeErrors);
                continue;
            }

            // The head room is free for the device's own header (ITunDevice.Write), so the packet goes in one piece.
            Span<byte> header = offset >= HeaderSize ? buffer.Slice(offset - HeaderSize, HeaderSize) : scratch;
            BinaryPrimitives.WriteInt32BigEndian(header, family);
            while (true)
            {
                nint written;
                fixed (byte* start = buffer)
                fixed (byte* head = header)
                {
                    if (offset >= HeaderSize)
                    {
                        written = Posix.Write(_device, start + offset - HeaderSize, (nuint)(buffer.Length - offset + HeaderSize));
                    }
                    else
                    {
                        vectors[0] = new Posix.IOVector { Base = head, Length = HeaderSize };
                        vectors[1] = new Posix.IOVector { Base = start + offset, Length = (nuint)(buffer.Length - offset) };
                        written = Posix.Writev(_device, vectors, 2);
                    }
                }

                if (written >= 0 || !ShouldRetryWrite(Marshal.GetLastPInvokeError()))
                {
                    break;
                }
            }
        }
    }

    /// <summary>Wakes a blocked <see cref="Read"/> (which returns 0) and closes every descriptor.</summary>
    public unsafe void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        byte one = 1;
        _ = Posix.Write(_wakeWrite, &one, 1);
        _device.Dispose(); // closed once a reader's poll has released its reference
        _routes?.Dispose();
        _wakeWrite.Dispose();
        _wakeRead.Dispose();
    }

    /// <summary><c>AF_INET</c> or Darwin's <c>AF_INET6</c> from an IP packet's version nibble; 0 for anything else.</summary>
    public static int FamilyOf(byte firstByte) => (firstByte >> 4) switch
    {
        4 => DarwinInterop.AF_INET,
        6 => DarwinInterop.AF_INET6,
        _ => 0,
    };

    /// <summary>Reads packets, one per buffer, until none is queued or the batch is full.</summary>
    /// <returns>How many, or -1 when the device was closed meanwhile.</returns>
    private unsafe int ReadQueued(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, int offset, int limit)
    {
        int count = 0;
        int header = 0;
        Posix.IOVector* vectors = stackalloc Posix.IOVector[2];
        while (count < limit)
        {
            Span<byte> target = buffers[count].Span[offset..];
            nint read;
            fixed (byte* pointer = target)
            {
                vectors[0] = new Posix.IOVector { Base = (byte*)&header, Length = HeaderSize };
                vectors[1] = new Posix.IOVector { Base = pointer, Length = (nuint)target.Length };
                read = Posix.Readv(_device, vectors, 2);
            }

            if (read < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == DarwinInterop.Errors.EINTR)
                {
                    continue;
                }

                if (errno == _wouldBlock)
                {
                    return count;
                }

                if (Volatile.Read(ref _disposed) != 0)
                {
                    return count == 0 ? -1 : count;
                }

                throw Failure($"read from {Name}", errno);
            }

            if (read == 0)
            {
                throw new IOException($"The utun interface {Name} is gone: its control socket reached its end.");
            }

            int length = (int)read - HeaderSize;

            // A datagram larger than the buffer is cut by the kernel: one that fills the buffer exactly may have been,
            // and the buffer's tail room (padding and tag) makes it larger than any packet the MTU allows, so drop it.
            int family = BinaryPrimitives.ReverseEndianness(header);
            if (length <= 0 || length >= target.Length || family != FamilyOf(target[0]))
            {
                Interlocked.Increment(ref _readErrors);
                continue;
            }

            sizes[count++] = length;
        }

        return count;
    }

    private bool ShouldRetryWrite(int errno)
    {
        if (errno == DarwinInterop.Errors.EINTR)
        {
            return true;
        }

        if (errno is 9 /* EBADF */ or DarwinInterop.Errors.ENXIO && Volatile.Read(ref _disposed) == 0)
        {
            throw Failure($"write to {Name}", errno);
        }

        Interlocked.Increment(ref _writeErrors); // a full queue (ENOBUFS, EAGAIN) drops the packet, as a NIC does
        return false;
    }

    /// <summary>Blocks until the socket is readable (true), or the wake-up fired or the MTU changed (false).</summary>
    private unsafe bool WaitReadable()
    {
        bool deviceReferenced = false, wakeReferenced = false, routesReferenced = false;
        try
        {
            _device.DangerousAddRef(ref deviceReferenced);
            _wakeRead.DangerousAddRef(ref wakeReferenced);
            _routes?.DangerousAddRef(ref routesReferenced);
            Posix.PollDescriptor* descriptors = stackalloc Posix.PollDescriptor[3];
            descriptors[0] = new Posix.PollDescriptor { Fd = _device.Fd, Events = Posix.POLLIN };
            descriptors[1] = new Posix.PollDescriptor { Fd = _wakeRead.Fd, Events = Posix.POLLIN };
            descriptors[2] = new Posix.PollDescriptor { Fd = routesReferenced ? _routes!.Fd : -1, Events = Posix.POLLIN };
            while (true)
            {
                if (Posix.Poll(descriptors, 3, -1) < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == DarwinInterop.Errors.EINTR)
                    {
                        continue;
                    }

                    throw Failure($"poll {Name}", errno);
                }

                if (descriptors[1].ReturnedEvents != 0 || Volatile.Read(ref _disposed) != 0)
                {
                    return false;
                }

                if (descriptors[2].ReturnedEvents != 0 && FollowRouteMessages())
                {
                    return false;
                }

                short events = descriptors[0].ReturnedEvents;
                if ((events & (Posix.POLLERR | Posix.POLLHUP | Posix.POLLNVAL)) != 0)
                {
                    throw new IOException($"The utun interface {Name} is gone (poll events 0x{events:x}).");
                }

                if ((events & Posix.POLLIN) != 0)
                {
                    return true;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (deviceReferenced)
            {
                _device.DangerousRelease();
            }

            if (wakeReferenced)
            {
                _wakeRead.DangerousRelease();
            }

            if (routesReferenced)
            {
                _routes!.DangerousRelease();
            }
        }
    }

    /// <summary>Reads the queued route messages; true when one of them changed this interface's MTU.</summary>
    private unsafe bool FollowRouteMessages()
    {
        int mtu = -1;
        while (true)
        {
            nint read;
            fixed (byte* pointer = _routeBuffer)
            {
                read = Posix.Read(_routes!, pointer, RouteBufferSize);
            }

            if (read < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == DarwinInterop.Errors.EINTR)
                {
                    continue;
                }

                if (errno == DarwinInterop.Errors.ENOBUFS && _queryMtu is not null)
                {
                    mtu = QueryMtu(); // messages were lost: ask rather than guess
                    continue;
                }

                break;
            }

            if (read == 0)
            {
                break;
            }

            ReadOnlySpan<byte> messages = _routeBuffer.AsSpan(0, (int)read);
            while (RouteMessageReader.TryRead(messages, out RouteMessage? message, out int length))
            {
                if (message is { Type: DarwinInterop.RouteMessageType.InterfaceInfo, Mtu: > 0 } && message.Index == _interfaceIndex)
                {
                    mtu = (int)message.Mtu;
                }

                messages = messages[length..];
            }
        }

        if (mtu <= 0 || mtu == _mtu)
        {
            return false;
        }

        Volatile.Write(ref _mtu, mtu);
        return true;
    }

    private int QueryMtu()
    {
        try
        {
            return _queryMtu!();
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static IOException Failure(string what, int errno) =>
        new($"Cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
}
