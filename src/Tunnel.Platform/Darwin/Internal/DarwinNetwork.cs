using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Configuration;
using Tunnel.Platform.Interop.Darwin;
using Tunnel.Platform.Interop.Unix;
using static Tunnel.Platform.Interop.Darwin.Interop;
using Posix = Tunnel.Platform.Interop.Unix.Interop;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>
/// The real <see cref="IDarwinNetwork"/>: addresses with <c>SIOCAIFADDR</c> / <c>SIOCAIFADDR_IN6</c> (and their
/// <c>SIOCDIFADDR</c> counterparts), routes with <c>RTM_ADD</c> / <c>RTM_DELETE</c> / <c>RTM_GET</c> on one
/// <c>PF_ROUTE</c> socket, whose <c>write</c> fails with the kernel's errno when a request is refused.
/// </summary>
[SupportedOSPlatform("macos")]
internal sealed class DarwinNetwork : IDarwinNetwork, IDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(2);

    private readonly SafeFileDescriptor _routes;
    private readonly byte[] _buffer = new byte[4096];
    private int _sequence;

    public DarwinNetwork()
    {
        _routes = Socket(AF_ROUTE, SOCK_RAW, AF_UNSPEC);
        if (_routes.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            _routes.Dispose();
            throw DarwinInterfaceControl.Failure("open a routing socket", errno);
        }
    }

    public uint InterfaceIndex(string interfaceName) => Posix.IfNameToIndex(interfaceName);

    public unsafe void AddAddress(string interfaceName, InterfaceAddress address)
    {
        bool done;
        int errno;
        if (address.Address.AddressFamily == AddressFamily.InterNetwork)
        {
            // utun is point-to-point: the address is its own destination, as wg-quick's "ifconfig inet A A alias" sets it.
            var request = new InterfaceAliasRequest
            {
                Address = SocketAddressInet.From(address.Address),
                Destination = SocketAddressInet.From(address.Address),
                Mask = SocketAddressInet.From(PrefixMask(AddressFamily.InterNetwork, address.PrefixLength)),
            };
            Tunnel.Platform.Interop.Darwin.InterfaceRequest.WriteName(interfaceName, new Span<byte>(request.Name, Tunnel.Platform.Interop.Darwin.InterfaceRequest.NameSize));
            done = DarwinInterfaceControl.TryIoctl(AF_INET, SIOCAIFADDR, &request, out errno);
        }
        else
        {
            var request = new Inet6AliasRequest
            {
                Address = SocketAddressInet6.From(address.Address),
                PrefixMask = SocketAddressInet6.From(PrefixMask(AddressFamily.InterNetworkV6, address.PrefixLength)),
                Flags = Inet6AliasRequest.NoDuplicateAddressDetection,
                ValidLifetime = Inet6AliasRequest.InfiniteLifetime,
                PreferredLifetime = Inet6AliasRequest.InfiniteLifetime,
            };
            Tunnel.Platform.Interop.Darwin.InterfaceRequest.WriteName(interfaceName, new Span<byte>(request.Name, Tunnel.Platform.Interop.Darwin.InterfaceRequest.NameSize));
            done = DarwinInterfaceControl.TryIoctl(AF_INET6, SIOCAIFADDR_IN6, &request, out errno);
        }

        if (!done)
        {
            throw DarwinInterfaceControl.Failure($"add {address.Address}/{address.PrefixLength} to {interfaceName}", errno);
        }
    }

    public unsafe bool RemoveAddress(string interfaceName, InterfaceAddress address)
    {
        bool done;
        int errno;
        if (address.Address.AddressFamily == AddressFamily.InterNetwork)
        {
            var request = Tunnel.Platform.Interop.Darwin.InterfaceRequest.ForName(interfaceName);
            *(SocketAddressInet*)((byte*)&request + Tunnel.Platform.Interop.Darwin.InterfaceRequest.NameSize) = SocketAddressInet.From(address.Address);
            done = DarwinInterfaceControl.TryIoctl(AF_INET, SIOCDIFADDR, &request, out errno);
        }
        else
        {
            var request = new Inet6InterfaceRequest { Address = SocketAddressInet6.From(address.Address) };
            Tunnel.Platform.Interop.Darwin.InterfaceRequest.WriteName(interfaceName, new Span<byte>(request.Name, Tunnel.Platform.Interop.Darwin.InterfaceRequest.NameSize));
            done = DarwinInterfaceControl.TryIoctl(AF_INET6, SIOCDIFADDR_IN6, &request, out errno);
        }

        if (done || errno is Errors.EADDRNOTAVAIL or Errors.ENXIO)
        {
            return done;
        }

        throw DarwinInterfaceControl.Failure($"remove {address.Address}/{address.PrefixLength} from {interfaceName}", errno);
    }

    public void AddRoute(DarwinRoute route)
    {
        int errno = Send(RouteMessageType.Add, route);
        if (errno != 0)
        {
            throw DarwinInterfaceControl.Failure($"add the route to {route.Destination}{(errno == Errors.EEXIST ? " (another route to it exists, and is never replaced)" : string.Empty)}", errno);
        }
    }

    public bool DeleteRoute(DarwinRoute route)
    {
        int errno = Send(RouteMessageType.Delete, route);
        if (errno is 0 or Errors.ESRCH)
        {
            return errno == 0;
        }

        throw DarwinInterfaceControl.Failure($"remove the route to {route.Destination}", errno);
    }

    public unsafe DarwinRoute? GetRoute(IPAddress destination)
    {
        int sequence = Interlocked.Increment(ref _sequence);
        Span<byte> request = stackalloc byte[RouteMessageWriter.MaxLength];
        int length = RouteMessageWriter.WriteGet(request, sequence, destination);
        int errno = Write(request[..length]);
        if (errno is Errors.ESRCH or Errors.ENETUNREACH)
        {
            return null;
        }

        if (errno != 0)
        {
            throw DarwinInterfaceControl.Failure($"look up the route to {destination}", errno);
        }

        // The answer comes back on this socket among every other routing message the system sends.
        long deadline = Environment.TickCount64 + (long)AnswerTimeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            if (!WaitReadable((int)Math.Max(1, deadline - Environment.TickCount64)))
            {
                break;
            }

            nint read;
            fixed (byte* pointer = _buffer)
            {
                read = Posix.Read(_routes, pointer, (nuint)_buffer.Length);
            }

            if (read <= 0)
            {
                continue;
            }

            ReadOnlySpan<byte> messages = _buffer.AsSpan(0, (int)read);
            while (RouteMessageReader.TryRead(messages, out RouteMessage? message, out int consumed))
            {
                if (message is { Type: RouteMessageType.Get } && message.Sequence == sequence && message.ProcessId == Environment.ProcessId)
                {
                    return message.Error != 0 || message.Destination is not { } network
                        ? null
                        : new DarwinRoute(network, message.Gateway, message.Gateway is null ? (message.GatewayInterface != 0 ? message.GatewayInterface : message.Index) : message.Index, message.Flags);
                }

                messages = messages[consumed..];
            }
        }

        throw new IOException($"The routing socket did not answer the lookup of {destination} within {AnswerTimeout.TotalSeconds} s.");
    }

    public void Dispose() => _routes.Dispose();

    private int Send(byte type, DarwinRoute route)
    {
        Span<byte> message = stackalloc byte[RouteMessageWriter.MaxLength];
        int length = RouteMessageWriter.Write(message, type, Interlocked.Increment(ref _sequence), route.Destination, route.Gateway, route.InterfaceIndex, route.Flags);
        return Write(message[..length]);
    }

    private unsafe int Write(ReadOnlySpan<byte> message)
    {
        fixed (byte* pointer = message)
        {
            return Posix.Write(_routes, pointer, (nuint)message.Length) < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
    }

    private unsafe bool WaitReadable(int milliseconds)
    {
        bool referenced = false;
        try
        {
            _routes.DangerousAddRef(ref referenced);
            var descriptor = new Posix.PollDescriptor { Fd = _routes.Fd, Events = Posix.POLLIN };
            return Posix.Poll(&descriptor, 1, milliseconds) > 0;
        }
        finally
        {
            if (referenced)
            {
                _routes.DangerousRelease();
            }
        }
    }

    private static IPAddress PrefixMask(AddressFamily family, int prefixLength)
    {
        byte[] bytes = new byte[family == AddressFamily.InterNetwork ? 4 : 16];
        for (int bit = 0; bit < prefixLength; bit++)
        {
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}
