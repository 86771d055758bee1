using System.Net;
using System.Net.Sockets;
using Tunnel.Sockets.Internal;

namespace Tunnel.Sockets;

/// <summary>
/// Opens plain <see cref="Socket"/> UDP sockets: one dual-stack socket where the system has IPv6 (IPv4
/// peers appear as IPv4 endpoints), an IPv4 socket otherwise. Portable to every OS .NET runs on; the
/// Linux batch adapter in <c>Tunnel.Platform</c> is the fast path.
/// </summary>
public sealed class UdpDatagramSocketFactory : IDatagramSocketFactory
{
    /// <summary>The shared instance; the factory holds no state.</summary>
    public static UdpDatagramSocketFactory Instance { get; } = new();

    /// <summary>Linux's <c>SOL_SOCKET</c>, <c>SO_SNDBUFFORCE</c> and <c>SO_RCVBUFFORCE</c> (asm-generic/socket.h).</summary>
    private const int SolSocket = 1, SoSndBufForce = 32, SoRcvBufForce = 33;

    /// <summary>
    /// The socket buffer size asked for in both directions: a larger buffer absorbs the bursts a busy
    /// receiver would otherwise drop (the default 208 KiB overflows under a single TCP stream). On Linux
    /// with CAP_NET_ADMIN the size is forced past <c>net.core.rmem_max</c> / <c>wmem_max</c>
    /// (<c>SO_RCVBUFFORCE</c>); otherwise the kernel caps it there.
    /// </summary>
    public int BufferSize { get; init; } = 7 << 20;

    /// <inheritdoc/>
    /// <remarks>A non-zero <paramref name="firewallMark"/> needs Linux and CAP_NET_ADMIN; other systems refuse it.</remarks>
    public IDatagramSocket Bind(ushort port, uint firewallMark)
    {
        Socket socket = OpenSocket(port);
        try
        {
            var adapter = new UdpDatagramSocket(socket);
            if (firewallMark != 0)
            {
                adapter.SetFirewallMark(firewallMark);
            }

            return adapter;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens and binds the socket this factory's adapters drive, with <see cref="BufferSize"/> applied: for an
    /// adapter that drives the socket with system calls of its own (<c>recvmmsg</c>, say) and wants the same
    /// dual-stack binding and buffers.
    /// </summary>
    /// <param name="port">The local port; 0 for any free port.</param>
    /// <returns>The bound socket, which the caller owns.</returns>
    /// <exception cref="SocketException">The port is in use, or the system refuses the socket.</exception>
    public Socket OpenSocket(ushort port)
    {
        Socket socket = Open(port);
        TrySetBufferSizes(socket, BufferSize);
        return socket;
    }

    private static Socket Open(ushort port)
    {
        if (Socket.OSSupportsIPv6)
        {
            var dual = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                dual.DualMode = true;
                dual.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
                return dual;
            }
            catch (SocketException error) when (error.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
            {
                dual.Dispose(); // IPv6 switched off at run time: fall back to IPv4
            }
            catch
            {
                dual.Dispose();
                throw;
            }
        }

        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void TrySetBufferSizes(Socket socket, int size)
    {
        if (OperatingSystem.IsLinux() && TryForce(socket, SoRcvBufForce, size) && TryForce(socket, SoSndBufForce, size))
        {
            return;
        }

        try
        {
            socket.ReceiveBufferSize = size;
            socket.SendBufferSize = size;
        }
        catch (SocketException)
        {
            // A smaller buffer still works; the system's default stays.
        }
    }

    private static bool TryForce(Socket socket, int option, int size)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(value, size);
        try
        {
            socket.SetRawSocketOption(SolSocket, option, value);
            return true;
        }
        catch (SocketException)
        {
            return false; // without CAP_NET_ADMIN: fall back to the capped option
        }
    }
}
