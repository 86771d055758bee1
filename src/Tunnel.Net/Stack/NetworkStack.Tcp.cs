using Tunnel.Core.Collections;
using Tunnel.Net.Packets;
using Tunnel.Net.Tcp;

namespace Tunnel.Net.Stack;

internal sealed partial class NetworkStack
{
    private readonly Dictionary<TcpEndpoints, TcpConnection> _tcp = [];
    private readonly Dictionary<TcpConnection, ITcpListener> _handshaking = [];
    private readonly Dictionary<ushort, ITcpListener> _listeners = [];
    private readonly Func<uint> _initialSequence;
    private readonly LowerBoundHeap<TcpConnection, long> _timers = new(long.MaxValue);
    private readonly List<TcpConnection> _due = [];
    private readonly List<TcpConnection> _told = [];
    private bool _telling;
    private readonly Queue<TcpConnection> _waitingForRoom = new();
    private uint _isnCounter;
    private ushort _nextTcpEphemeral = FirstEphemeralPort;

    public TcpSettings Tcp { get; }

    /// <summary>The room all connections' buffers share (<see cref="TcpSettings.MemoryLimit"/>).</summary>
    public TcpMemory TcpMemory { get; }

    /// <summary>The connections held, in any state.</summary>
    public int TcpConnectionCount => _tcp.Count;

    /// <summary>
    /// The earliest time a TCP timer is due; <see cref="long.MaxValue"/> for none. A look at the top of the
    /// connections' timer heap (which may tidy its top), not a scan: the stack reads it after every packet.
    /// </summary>
    public long NextDeadline => _timers.PeekDeadline();

    /// <summary>The connections with a timer armed, each once (the timer heap's size).</summary>
    internal int ConnectionsWithTimers => _timers.Count;

    /// <summary>The connections held, in any state.</summary>
    internal IEnumerable<TcpConnection> TcpConnections => _tcp.Values;

    /// <summary>Starts listening on a TCP port.</summary>
    /// <returns>Whether the port was free.</returns>
    public bool Listen(ushort port, ITcpListener listener) => port != 0 && _listeners.TryAdd(port, listener);

    /// <summary>Stops listening; connections already made stay.</summary>
    public void StopListening(ushort port, ITcpListener listener)
    {
        if (_listeners.TryGetValue(port, out ITcpListener? bound) && ReferenceEquals(bound, listener))
        {
            _listeners.Remove(port);
        }
    }

    /// <summary>Opens a connection to <paramref name="remote"/>:<paramref name="remotePort"/> from a free ephemeral port; its SYN is queued.</summary>
    /// <returns>The connection; null when the interface has no address of that family, or no port or connection slot is free.</returns>
    public TcpConnection? Connect(ReadOnlySpan<byte> remote, ushort remotePort, long now, out SendResult result)
    {
        byte[]? source = SourceFor(remote.Length == 4 ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6);
        if (source is null)
        {
            result = SendResult.NoSourceAddress;
            return null;
        }

        if (_tcp.Count >= Tcp.MaxConnections)
        {
            result = SendResult.QueueFull;
            return null;
        }

        const int range = ushort.MaxValue - FirstEphemeralPort + 1;
        for (int i = 0; i < range; i++)
        {
            ushort port = _nextTcpEphemeral;
            _nextTcpEphemeral = port == ushort.MaxValue ? FirstEphemeralPort : (ushort)(port + 1);
            var endpoints = TcpEndpoints.Create(source, port, remote, remotePort);
            if (_listeners.ContainsKey(port) || _tcp.ContainsKey(endpoints))
            {
                continue;
            }

            TcpConnection connection = TcpConnection.Connect(Tcp, TcpMemory, endpoints, _initialSequence(), Mss(remote.Length), now);
            Hold(endpoints, connection);
            result = Pump(connection, now);
            return connection;
        }

        result = SendResult.QueueFull;
        return null;
    }

    /// <summary>Queues what <paramref name="connection"/> has to send, as far as the queue towards the tunnel has room.</summary>
    public SendResult Pump(TcpConnection connection, long now)
    {
        Span<byte> local = stackalloc byte[16], remote = stackalloc byte[16];
        int addressLength = connection.Endpoints.AddressLength;
        connection.Endpoints.WriteLocal(local);
        connection.Endpoints.WriteRemote(remote);
        int header = IPPacketWriter.HeaderLength(addressLength);
        while (connection.HasOutput)
        {
            Span<byte> slot = Outbound.Reserve();
            if (slot.IsEmpty)
            {
                if (!_waitingForRoom.Contains(connection))
                {
                    _waitingForRoom.Enqueue(connection);
                }

                return SendResult.QueueFull;
            }

            int length = connection.TryWriteSegment(slot[header..], local[..addressLength], remote[..addressLength], now);
            if (length == 0)
            {
                break;
            }

            Commit(IPPacketWriter.Write(slot, local[..addressLength], remote[..addressLength], IPProtocol.Tcp, length, _identification++));
        }

        Forget(connection);
        if (TcpMemory.WaitingMayProceed && !_telling)
        {
            OnMemoryGiven(now);
        }

        return SendResult.Sent;
    }

    /// <summary>Room was given back while buffers waited for it: every connection hears of it, and sends what it now can.</summary>
    private void OnMemoryGiven(long now)
    {
        TcpMemory.TakeWaiting(); // before telling them, so that one that still finds no room marks itself again
        _telling = true;
        _told.AddRange(_tcp.Values);
        foreach (TcpConnection waiting in _told)
        {
            waiting.OnMemoryGiven();
            if (waiting.HasOutput)
            {
                Pump(waiting, now);
            }
        }

        _told.Clear();
        _telling = false;
    }

    /// <summary>Lets the connections that found the queue towards the tunnel full send, in the order they waited, while it has room.</summary>
    public void DrainBacklog(long now)
    {
        int waiting = _waitingForRoom.Count;
        for (int i = 0; i < waiting && Outbound.Count < Outbound.Capacity; i++)
        {
            Pump(_waitingForRoom.Dequeue(), now);
        }
    }

    /// <summary>
    /// Runs the TCP timers due at <paramref name="now"/> and queues what they send; closed connections are let go.
    /// Only the connections whose timers are due are visited, taken from the heap first so each runs once per call.
    /// </summary>
    public void OnTimer(long now)
    {
        _timers.TakeDue(now, _due);
        foreach (TcpConnection connection in _due)
        {
            connection.OnTimer(now);
            _timers.Lower(connection, connection.NextDeadline); // back in the heap with whatever is still armed
            Pump(connection, now);
        }

        _due.Clear();
    }

    /// <summary>Takes a new connection into the table and its timers into the heap.</summary>
    private void Hold(TcpEndpoints endpoints, TcpConnection connection)
    {
        _tcp.Add(endpoints, connection);
        connection.Timers = _timers;
        _timers.Lower(connection, connection.NextDeadline);
    }

    private PacketDropReason HandleTcp(in IPPacket packet, long now)
    {
        if (!TcpSegment.TryRead(packet, out TcpSegment segment, out PacketDropReason reason))
        {
            return reason;
        }

        var endpoints = TcpEndpoints.Create(packet.Destination, segment.DestinationPort, packet.Source, segment.SourcePort);
        if (_tcp.TryGetValue(endpoints, out TcpConnection? connection))
        {
            TcpState before = connection.State;
            connection.OnSegment(segment, now);
            if (before == TcpState.SynReceived && connection.State != TcpState.SynReceived && _handshaking.Remove(connection, out ITcpListener? listener))
            {
                listener.OnHandshakeEnded(connection, connection.State != TcpState.Closed);
            }

            if (connection.NeedsReset)
            {
                Reset(packet, segment); // an ACK that acknowledges no SYN of ours (RFC 9293 section 3.10.7.3)
            }

            Pump(connection, now);
            return PacketDropReason.None;
        }

        if (segment.Has(TcpFlags.Syn) && !segment.Has(TcpFlags.Ack) && !segment.Has(TcpFlags.Rst) && _listeners.TryGetValue(segment.DestinationPort, out ITcpListener? port))
        {
            if (!port.CanAccept || _tcp.Count >= Tcp.MaxConnections)
            {
                return PacketDropReason.QueueFull; // a full backlog drops SYNs, as a SYN flood must not exhaust memory
            }

            TcpConnection accepted = TcpConnection.Accept(Tcp, TcpMemory, endpoints, segment, _initialSequence(), Mss(packet.Source.Length), now);
            Hold(endpoints, accepted);
            _handshaking.Add(accepted, port);
            port.OnHandshakeStarted(accepted);
            Pump(accepted, now);
            return PacketDropReason.None;
        }

        if (!segment.Has(TcpFlags.Rst))
        {
            Reset(packet, segment); // nothing here: refuse it, as a closed port does
        }

        return PacketDropReason.NoListener;
    }

    /// <summary>
    /// A packet of ours did not fit a link on the path: the connection it belonged to sends smaller segments from now on.
    /// Believed only when it quotes a sequence number the connection has in flight, so an attacker off the path cannot
    /// shrink a connection's segments (RFC 5927 section 4.1).
    /// </summary>
    private PacketDropReason OnPacketTooBig(int mtu, IcmpPacketTooBig.Quoted quoted, long now)
    {
        if (quoted.Protocol != IPProtocol.Tcp || !IsLocal(quoted.Source))
        {
            return PacketDropReason.UnsupportedProtocol;
        }

        ushort localPort = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(quoted.Transport);
        ushort remotePort = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(quoted.Transport[2..]);
        uint sequence = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(quoted.Transport[4..]);
        var endpoints = TcpEndpoints.Create(quoted.Source, localPort, quoted.Destination, remotePort);
        if (!_tcp.TryGetValue(endpoints, out TcpConnection? connection) || !connection.OnPathMtu(mtu - IPPacketWriter.HeaderLength(quoted.Source.Length) - TcpSegment.HeaderLength, sequence))
        {
            return PacketDropReason.NotForUs;
        }

        Pump(connection, now);
        return PacketDropReason.None;
    }

    /// <summary>Answers a segment for no connection with a reset (RFC 9293 section 3.10.7.1).</summary>
    private void Reset(in IPPacket packet, in TcpSegment segment)
    {
        Span<byte> slot = Outbound.Reserve();
        if (slot.IsEmpty)
        {
            return;
        }

        int header = IPPacketWriter.HeaderLength(packet.Source.Length);
        bool acknowledges = segment.Has(TcpFlags.Ack);
        uint sequence = acknowledges ? segment.Acknowledgment : 0;
        uint acknowledgment = acknowledges ? 0 : segment.Sequence + (uint)segment.SequenceLength;
        TcpFlags flags = acknowledges ? TcpFlags.Rst : TcpFlags.Rst | TcpFlags.Ack;
        int length = TcpSegment.Write(slot[header..], segment.DestinationPort, segment.SourcePort, sequence, acknowledgment, flags, 0, null, 0, packet.Destination, packet.Source);
        Commit(IPPacketWriter.Write(slot, packet.Destination, packet.Source, IPProtocol.Tcp, length, _identification++));
    }

    /// <summary>Lets a closed connection go once it has nothing left to send.</summary>
    private void Forget(TcpConnection connection)
    {
        if (connection.State != TcpState.Closed || connection.HasOutput)
        {
            return;
        }

        _tcp.Remove(connection.Endpoints);
        _timers.Remove(connection);
        connection.Timers = null;
        if (_handshaking.Remove(connection, out ITcpListener? listener))
        {
            listener.OnHandshakeEnded(connection, established: false);
        }
    }

    /// <summary>Our MSS: the MTU less the IP header and a TCP header without options.</summary>
    private int Mss(int addressLength) => Mtu - IPPacketWriter.HeaderLength(addressLength) - TcpSegment.HeaderLength;
}
