using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Core;
using Tunnel.Platform.Interop.Linux;
using static Tunnel.Platform.Interop.Linux.Interop;
using static Tunnel.Platform.Interop.Unix.Interop;

namespace Tunnel.Platform.Linux;

/// <summary>
/// The Linux fast path for a device's UDP socket: <c>recvmmsg</c>/<c>sendmmsg</c> batches, UDP GSO
/// (<c>UDP_SEGMENT</c>: a run of equal-sized datagrams to one peer leaves as one super-datagram the kernel
/// or the NIC cuts) and UDP GRO (<c>UDP_GRO</c>: the kernel hands over coalesced datagrams, split here by
/// their segment size). Created by <see cref="LinuxUdpDatagramSocketFactory"/>.
/// </summary>
/// <remarks>
/// Receive runs on one thread, send on several (each with its own scratch space). Nothing is allocated per
/// datagram or batch: message headers, addresses and control messages live in pinned arrays made once, and
/// the caller's buffers are pinned once per underlying array.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed partial class LinuxUdpDatagramSocket : IDatagramSocket
{
    /// <summary>The most datagrams in one <c>recvmmsg</c> or <c>sendmmsg</c>.</summary>
    internal const int MaxBatch = 128;

    /// <summary>Room for a <c>sockaddr_in6</c> (28 bytes), rounded up.</summary>
    private const int NameStride = 32;

    /// <summary><c>AF_INET</c> and <c>AF_INET6</c>.</summary>
    private const ushort FamilyIPv4 = 2, FamilyIPv6 = 10;

    /// <summary>Linux's <c>SOL_SOCKET</c> and <c>SO_MARK</c>.</summary>
    private const int SolSocket = 1, SoMark = 36;

    private readonly Socket _socket;
    private readonly bool _isIPv6;
    private readonly bool _batching;
    private int _disposed;

    /// <summary>Whether the kernel reports each datagram's local address (packet information), for sticky replies.</summary>
    private readonly bool _stickySource;

    internal LinuxUdpDatagramSocket(Socket socket, bool batching, bool segmentation, bool receiveCoalescing, bool stickySource)
    {
        _socket = socket;
        _isIPv6 = socket.AddressFamily == AddressFamily.InterNetworkV6;
        _batching = batching;
        Port = (ushort)((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
        _segmentation = segmentation;
        ReceiveCoalescing = receiveCoalescing && TrySetOption(SOL_UDP, UDP_GRO, 1);
        _stickySource = stickySource && TrySetOption(SOL_IP, IP_PKTINFO, 1) && (!_isIPv6 || TrySetOption(SOL_IPV6, IPV6_RECVPKTINFO, 1));

        int receiveSlots = ReceiveCoalescing ? (batching ? CoalescedSlots : 1) : MaxBatch;
        _receiveMessages = GC.AllocateArray<MultiMessageHeader>(receiveSlots, pinned: true);
        _receiveVectors = GC.AllocateArray<IOVector>(receiveSlots, pinned: true);
        _receiveNames = GC.AllocateArray<byte>(receiveSlots * NameStride, pinned: true);
        if (ReceiveCoalescing || _stickySource)
        {
            _receiveControl = GC.AllocateArray<byte>(receiveSlots * ReceiveControlStride, pinned: true);
        }

        if (ReceiveCoalescing)
        {
            _coalesced = GC.AllocateUninitializedArray<byte>(receiveSlots * CoalescedSlotSize, pinned: true);
            _pending = new PendingDatagram[receiveSlots];
        }
    }

    /// <inheritdoc/>
    public ushort Port { get; }

    /// <inheritdoc/>
    public int BatchSize => _batching ? MaxBatch : 1;

    /// <summary>Whether runs of datagrams leave as UDP GSO super-datagrams (asked for, and not refused by the kernel since).</summary>
    public bool Segmentation => Volatile.Read(ref _segmentation);

    /// <summary>
    /// Whether received sources carry the local address they were sent to (<see cref="UdpEndpoint.WithLocal"/>),
    /// and sends to such an endpoint leave from that address (<c>IP_PKTINFO</c>/<c>IPV6_RECVPKTINFO</c> accepted).
    /// </summary>
    public bool StickySource => _stickySource;

    /// <summary>Whether the kernel hands over coalesced datagrams (<c>UDP_GRO</c> was accepted).</summary>
    public bool ReceiveCoalescing { get; }

    /// <inheritdoc/>
    public void SetFirewallMark(uint mark)
    {
        Span<byte> value = stackalloc byte[sizeof(uint)];
        BitConverter.TryWriteBytes(value, mark);
        _socket.SetRawSocketOption(SolSocket, SoMark, value);
    }

    /// <summary>Wakes a blocked <see cref="Receive"/> (which returns 0) and closes the socket.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // Unconnected UDP answers ENOTCONN, yet the kernel marks the socket shut and wakes a blocked receiver.
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Dispose();
        _receivePins.Dispose();
    }

    private bool TrySetOption(int level, int name, int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(bytes, value);
        try
        {
            _socket.SetRawSocketOption(level, name, bytes);
            return true;
        }
        catch (SocketException)
        {
            return false; // an older kernel: the plain path
        }
    }

    /// <summary>Reads a <c>sockaddr_in</c> or <c>sockaddr_in6</c>.</summary>
    private static unsafe UdpEndpoint ReadName(byte* name)
    {
        var bytes = new ReadOnlySpan<byte>(name, NameStride);
        ushort family = MemoryMarshal.Read<ushort>(bytes);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        return family == FamilyIPv6 ? new UdpEndpoint(bytes.Slice(8, 16), port) : new UdpEndpoint(bytes.Slice(4, 4), port);
    }

    /// <summary>Writes the destination in the socket's family (an IPv4 peer as a mapped address on a dual-stack socket).</summary>
    private unsafe bool TryWriteName(UdpEndpoint endpoint, byte* name, out uint length)
    {
        var bytes = new Span<byte>(name, NameStride);
        bytes.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], endpoint.Port);
        if (_isIPv6)
        {
            MemoryMarshal.Write(bytes, FamilyIPv6);
            Span<byte> address = bytes.Slice(8, 16);
            if (endpoint.IsIPv6)
            {
                endpoint.AddressBytes.CopyTo(address);
            }
            else
            {
                address[10] = 0xFF;
                address[11] = 0xFF;
                endpoint.AddressBytes.CopyTo(address[12..]);
            }

            length = 28;
            return true;
        }

        if (endpoint.IsIPv6)
        {
            length = 0;
            return false; // an IPv4-only socket cannot reach an IPv6 peer
        }

        MemoryMarshal.Write(bytes, FamilyIPv4);
        endpoint.AddressBytes.CopyTo(bytes.Slice(4, 4));
        length = 16;
        return true;
    }
}
