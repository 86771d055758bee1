using System.Net;
using System.Net.Sockets;
using Tunnel.Net.Packets;
using Tunnel.Net.Tcp;

namespace Tunnel.Net.Stack;

/// <summary>
/// The sans-IO user-space IP stack on the inside of a tunnel: inbound packets (what the tunnel decrypted) are
/// checked, answered (echo requests to our addresses) or handed to the bound UDP port, and what the stack sends
/// goes into a bounded queue of packets for the tunnel to encrypt. It has no threads, clocks or sockets and is
/// not thread-safe: its driver (<see cref="TunnelNetwork"/>) serialises every call.
/// </summary>
internal sealed partial class NetworkStack
{
    /// <summary>The first ephemeral port (RFC 6335 section 6: 49152-65535).</summary>
    public const ushort FirstEphemeralPort = 49152;

    private readonly byte[][] _addresses;
    private readonly Dictionary<ushort, IDatagramReceiver> _udp = [];
    private readonly long[] _dropped = new long[Enum.GetValues<PacketDropReason>().Length];
    private ushort _nextEphemeral;
    private ushort _identification;

    /// <param name="addresses">The interface's addresses.</param>
    /// <param name="mtu">The largest packet sent or accepted.</param>
    /// <param name="outboundCapacity">Packets the queue towards the tunnel holds.</param>
    /// <param name="ephemeralSeed">Where the search for a free ephemeral port starts (the driver picks it at random, so ports are not predictable).</param>
    /// <param name="tcp">TCP's buffers and timers; the defaults when null.</param>
    /// <param name="initialSequence">Gives each connection's initial sequence number (the driver's are random, RFC 6528); a counter when null.</param>
    public NetworkStack(IReadOnlyList<IPAddress> addresses, int mtu, int outboundCapacity, ushort ephemeralSeed, TcpSettings? tcp = null, Func<uint>? initialSequence = null)
    {
        Tcp = tcp ?? new TcpSettings();
        TcpMemory = new TcpMemory(Tcp.MemoryLimit);
        _initialSequence = initialSequence ?? (() => _isnCounter += 64000);
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 1280); // IPv6's minimum link MTU (RFC 8200 section 5)
        _addresses = [.. addresses.Select(address => address.GetAddressBytes())];
        Mtu = mtu;
        Outbound = new PacketQueue(outboundCapacity, mtu);
        _nextEphemeral = (ushort)(FirstEphemeralPort + (ephemeralSeed % (ushort.MaxValue - FirstEphemeralPort + 1)));
    }

    public int Mtu { get; }

    /// <summary>The packets waiting for the tunnel.</summary>
    public PacketQueue Outbound { get; }

    /// <summary>Where echo replies go; none when null (they are then dropped as unsolicited).</summary>
    public IEchoReplyReceiver? EchoReplies { get; set; }

    public long PacketsReceived { get; private set; }

    public long PacketsSent { get; private set; }

    /// <summary>Inbound packets dropped for <paramref name="reason"/>.</summary>
    public long Dropped(PacketDropReason reason) => _dropped[(int)reason];

    /// <summary>Takes one packet from the tunnel.</summary>
    /// <returns><see cref="PacketDropReason.None"/> when it was consumed; else why it was dropped (and counted).</returns>
    /// <param name="packet">The packet.</param>
    /// <param name="now">The time now, in <see cref="TimeSpan"/> ticks from the driver's origin (TCP's timers run on it).</param>
    public PacketDropReason Deliver(ReadOnlySpan<byte> packet, long now = 0)
    {
        PacketDropReason reason = Handle(packet, now);
        if (reason == PacketDropReason.None)
        {
            PacketsReceived++;
        }
        else
        {
            _dropped[(int)reason]++;
        }

        return reason;
    }

    /// <summary>Whether <paramref name="address"/> is one of the interface's.</summary>
    public bool IsLocal(ReadOnlySpan<byte> address)
    {
        foreach (byte[] ours in _addresses)
        {
            if (address.SequenceEqual(ours))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The interface's first address of <paramref name="family"/>; null when it has none.</summary>
    public byte[]? SourceFor(AddressFamily family)
    {
        int length = family == AddressFamily.InterNetwork ? 4 : 16;
        foreach (byte[] ours in _addresses)
        {
            if (ours.Length == length)
            {
                return ours;
            }
        }

        return null;
    }

    /// <summary>Binds a UDP port to <paramref name="receiver"/>.</summary>
    /// <param name="port">The port; 0 for a free ephemeral one.</param>
    /// <param name="receiver">Where its datagrams go.</param>
    /// <returns>The port bound, or 0 when it is taken (or no ephemeral port is free).</returns>
    public ushort BindUdp(ushort port, IDatagramReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (port != 0)
        {
            return _udp.TryAdd(port, receiver) ? port : (ushort)0;
        }

        const int range = ushort.MaxValue - FirstEphemeralPort + 1;
        for (int i = 0; i < range; i++)
        {
            ushort candidate = _nextEphemeral;
            _nextEphemeral = candidate == ushort.MaxValue ? FirstEphemeralPort : (ushort)(candidate + 1);
            if (_udp.TryAdd(candidate, receiver))
            {
                return candidate;
            }
        }

        return 0;
    }

    /// <summary>Releases a port bound to <paramref name="receiver"/>.</summary>
    public void UnbindUdp(ushort port, IDatagramReceiver receiver)
    {
        if (_udp.TryGetValue(port, out IDatagramReceiver? bound) && ReferenceEquals(bound, receiver))
        {
            _udp.Remove(port);
        }
    }

    /// <summary>Queues a UDP datagram for the tunnel.</summary>
    public SendResult SendUdp(ushort sourcePort, ReadOnlySpan<byte> destination, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        byte[]? source = SourceFor(destination.Length == 4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6);
        if (source is null)
        {
            return SendResult.NoSourceAddress;
        }

        int header = IPPacketWriter.HeaderLength(destination.Length);
        if (header + UdpHeader.Length + payload.Length > Mtu)
        {
            return SendResult.TooLarge;
        }

        Span<byte> slot = Outbound.Reserve();
        if (slot.IsEmpty)
        {
            return SendResult.QueueFull;
        }

        payload.CopyTo(slot[(header + UdpHeader.Length)..]);
        int transport = UdpHeader.Write(slot[header..], sourcePort, destinationPort, payload.Length, source, destination);
        Commit(IPPacketWriter.Write(slot, source, destination, IPProtocol.Udp, transport, _identification++));
        return SendResult.Sent;
    }

    /// <summary>Queues an echo request for the tunnel.</summary>
    public SendResult SendEchoRequest(ReadOnlySpan<byte> destination, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        byte[]? source = SourceFor(destination.Length == 4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6);
        return source is null ? SendResult.NoSourceAddress : SendEcho(source, destination, isRequest: true, identifier, sequence, data);
    }

    private SendResult SendEcho(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, bool isRequest, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        int header = IPPacketWriter.HeaderLength(destination.Length);
        if (header + IcmpEcho.HeaderLength + data.Length > Mtu)
        {
            return SendResult.TooLarge;
        }

        Span<byte> slot = Outbound.Reserve();
        if (slot.IsEmpty)
        {
            return SendResult.QueueFull;
        }

        bool isIPv6 = destination.Length == 16;
        int transport = IcmpEcho.Write(slot[header..], isIPv6, isRequest, identifier, sequence, data, source, destination);
        Commit(IPPacketWriter.Write(slot, source, destination, isIPv6 ? IPProtocol.IcmpV6 : IPProtocol.Icmp, transport, _identification++));
        return SendResult.Sent;
    }

    private void Commit(int length)
    {
        Outbound.Commit(length);
        PacketsSent++;
    }

    private PacketDropReason Handle(ReadOnlySpan<byte> bytes, long now)
    {
        if (bytes.Length > Mtu)
        {
            return PacketDropReason.Malformed;
        }

        if (!IPPacket.TryParse(bytes, out IPPacket packet, out PacketDropReason reason))
        {
            return reason;
        }

        if (!IsLocal(packet.Destination))
        {
            return PacketDropReason.NotForUs;
        }

        return packet.Protocol switch
        {
            IPProtocol.Udp => HandleUdp(packet),
            IPProtocol.Tcp => HandleTcp(packet, now),
            IPProtocol.Icmp when !packet.IsIPv6 => HandleEcho(packet, now),
            IPProtocol.IcmpV6 when packet.IsIPv6 => HandleEcho(packet, now),
            _ => PacketDropReason.UnsupportedProtocol,
        };
    }

    private PacketDropReason HandleUdp(in IPPacket packet)
    {
        if (!UdpHeader.TryRead(packet, out ushort sourcePort, out ushort destinationPort, out ReadOnlySpan<byte> payload, out PacketDropReason reason))
        {
            return reason;
        }

        if (!_udp.TryGetValue(destinationPort, out IDatagramReceiver? receiver))
        {
            return PacketDropReason.NoListener;
        }

        return receiver.TryReceive(packet.Source, sourcePort, payload) ? PacketDropReason.None : PacketDropReason.QueueFull;
    }

    private PacketDropReason HandleEcho(in IPPacket packet, long now)
    {
        if (IcmpPacketTooBig.TryRead(packet, out int mtu, out IcmpPacketTooBig.Quoted quoted))
        {
            return OnPacketTooBig(mtu, quoted, now);
        }

        if (!IcmpEcho.TryRead(packet, out bool isRequest, out ushort identifier, out ushort sequence, out PacketDropReason reason))
        {
            return reason;
        }

        if (isRequest)
        {
            // Answered from the address asked, with the data it carried, as a host's stack does.
            ReadOnlySpan<byte> data = packet.Transport[IcmpEcho.HeaderLength..];
            return SendEcho(packet.Destination, packet.Source, isRequest: false, identifier, sequence, data) switch
            {
                SendResult.Sent => PacketDropReason.None,
                SendResult.QueueFull => PacketDropReason.QueueFull,
                _ => PacketDropReason.Malformed,
            };
        }

        if (EchoReplies is null)
        {
            return PacketDropReason.UnsupportedProtocol;
        }

        EchoReplies.OnEchoReply(packet.Source, identifier, sequence);
        return PacketDropReason.None;
    }
}
