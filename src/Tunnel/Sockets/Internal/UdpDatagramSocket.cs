using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Tunnel.Core;

namespace Tunnel.Sockets.Internal;

/// <summary>
/// <see cref="IDatagramSocket"/> over one <see cref="Socket"/>: a blocking receive for the first datagram,
/// then whatever else is already queued, so bursts are handed over as batches even without
/// <c>recvmmsg</c>. Addresses go through reused <see cref="SocketAddress"/> objects: nothing is allocated per datagram.
/// </summary>
internal sealed class UdpDatagramSocket : IDatagramSocket
{
    /// <summary>Offsets inside a native <c>sockaddr_in</c> / <c>sockaddr_in6</c>, the same on every OS .NET supports.</summary>
    private const int PortOffset = 2, IPv4AddressOffset = 4, IPv6AddressOffset = 8;

    /// <summary>Linux's <c>SOL_SOCKET</c> and <c>SO_MARK</c> (asm-generic/socket.h).</summary>
    private const int SolSocket = 1, SoMark = 36;

    private static readonly byte[] s_mappedPrefix = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF];

    [ThreadStatic]
    private static SocketAddress? t_sendAddress;

    private readonly Socket _socket;
    private readonly SocketAddress _receiveAddress;
    private readonly AddressFamily _family;

    public UdpDatagramSocket(Socket socket)
    {
        _socket = socket;
        _family = socket.AddressFamily;
        _receiveAddress = new SocketAddress(_family);
        Port = (ushort)((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public ushort Port { get; }

    /// <summary>The kernel's receive buffer size (Linux reports twice what was set, for its bookkeeping).</summary>
    internal int ReceiveBufferSize => _socket.ReceiveBufferSize;

    public int BatchSize => 64;

    public int Receive(ReadOnlySpan<Memory<byte>> buffers, Span<int> sizes, Span<UdpEndpoint> sources)
    {
        int limit = Math.Min(Math.Min(buffers.Length, BatchSize), Math.Min(sizes.Length, sources.Length));
        int count = 0;
        while (count < limit)
        {
            try
            {
                if (count > 0 && _socket.Available == 0)
                {
                    break;
                }

                sizes[count] = _socket.ReceiveFrom(buffers[count].Span, SocketFlags.None, _receiveAddress);
            }
            catch (ObjectDisposedException)
            {
                return count;
            }
            catch (SocketException error) when (IsClosed(error))
            {
                return count;
            }
            catch (SocketException)
            {
                // A datagram-level error (ICMP feedback on some systems, a truncated datagram): skip it.
                continue;
            }

            sources[count++] = ReadEndpoint(_receiveAddress);
        }

        return count;
    }

    public int Send(ReadOnlySpan<ReadOnlyMemory<byte>> datagrams, UdpEndpoint destination)
    {
        SocketAddress address = t_sendAddress is { } cached && cached.Family == _family ? cached : (t_sendAddress = new SocketAddress(_family));
        if (!TryWriteEndpoint(destination, address))
        {
            return 0;
        }

        int sent = 0;
        foreach (ReadOnlyMemory<byte> datagram in datagrams)
        {
            try
            {
                _socket.SendTo(datagram.Span, SocketFlags.None, address);
                sent++;
            }
            catch (SocketException)
            {
                // Unreachable, no buffer space, a closed socket: the datagram is lost, as UDP allows.
            }
            catch (ObjectDisposedException)
            {
                break;
            }
        }

        return sent;
    }

    public void SetFirewallMark(uint mark)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (mark == 0)
            {
                return;
            }

            throw new SocketException((int)SocketError.OperationNotSupported);
        }

        Span<byte> value = stackalloc byte[sizeof(uint)];
        BitConverter.TryWriteBytes(value, mark);
        _socket.SetRawSocketOption(SolSocket, SoMark, value);
    }

    public void Dispose() => _socket.Dispose();

    private static bool IsClosed(SocketException error) =>
        error.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted or SocketError.NotSocket or SocketError.Shutdown;

    private UdpEndpoint ReadEndpoint(SocketAddress address)
    {
        ReadOnlySpan<byte> raw = address.Buffer.Span;
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(raw[PortOffset..]);
        return _family == AddressFamily.InterNetworkV6
            ? new UdpEndpoint(raw.Slice(IPv6AddressOffset, 16), port)
            : new UdpEndpoint(raw.Slice(IPv4AddressOffset, 4), port);
    }

    private bool TryWriteEndpoint(UdpEndpoint endpoint, SocketAddress address)
    {
        Span<byte> raw = address.Buffer.Span;
        ReadOnlySpan<byte> bytes = endpoint.AddressBytes;
        if (_family == AddressFamily.InterNetworkV6)
        {
            raw[IPv4AddressOffset..IPv6AddressOffset].Clear(); // flow information
            Span<byte> target = raw.Slice(IPv6AddressOffset, 16);
            if (endpoint.IsIPv6)
            {
                bytes.CopyTo(target);
            }
            else
            {
                s_mappedPrefix.CopyTo(target);
                bytes.CopyTo(target[12..]);
            }

            raw[(IPv6AddressOffset + 16)..].Clear(); // scope id
        }
        else if (endpoint.IsIPv6)
        {
            return false; // an IPv4-only socket cannot reach an IPv6 peer
        }
        else
        {
            bytes.CopyTo(raw.Slice(IPv4AddressOffset, 4));
        }

        BinaryPrimitives.WriteUInt16BigEndian(raw[PortOffset..], endpoint.Port);
        return true;
    }
}
