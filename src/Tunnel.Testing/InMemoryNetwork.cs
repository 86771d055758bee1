using System.Collections.Concurrent;
using System.Net;
using Tunnel.Core;
using Tunnel.Testing.Internal;

namespace Tunnel.Testing;

/// <summary>
/// A UDP network in memory: hosts are addresses, sockets bind ports on them, and a datagram sent to a bound
/// endpoint arrives with the sender's endpoint as its source. Moving a host to another address or port
/// (rebinding) is how a test makes a peer roam.
/// </summary>
public sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<UdpEndpoint, InMemoryDatagramSocket> _sockets = new();
    private int _nextPort = 49152;
    private long _lost;

    /// <summary>Datagrams sent to an endpoint nobody was bound to, or to a full queue.</summary>
    public long LostDatagrams => Interlocked.Read(ref _lost);

    /// <summary>Datagrams each socket's receive queue holds.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>The largest datagram carried.</summary>
    public int MaxDatagramSize { get; init; } = 2048;

    /// <summary>A socket factory for a host with this address.</summary>
    /// <param name="address">The host's address, IPv4 or IPv6.</param>
    /// <returns>The factory.</returns>
    public IDatagramSocketFactory CreateSocketFactory(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new Factory(this, address);
    }

    internal bool Deliver(ReadOnlySpan<byte> datagram, UdpEndpoint source, UdpEndpoint destination)
    {
        if (_sockets.TryGetValue(destination, out var socket) && socket.Enqueue(datagram, source))
        {
            return true;
        }

        Interlocked.Increment(ref _lost);
        return false;
    }

    internal void Unbind(InMemoryDatagramSocket socket) => _sockets.TryRemove(new KeyValuePair<UdpEndpoint, InMemoryDatagramSocket>(socket.LocalEndpoint, socket));

    private InMemoryDatagramSocket Bind(IPAddress address, ushort port)
    {
        while (true)
        {
            ushort chosen = port != 0 ? port : (ushort)(49152 + (Interlocked.Increment(ref _nextPort) % 16384));
            var endpoint = UdpEndpoint.FromIPEndPoint(new IPEndPoint(address, chosen));
            var socket = new InMemoryDatagramSocket(this, endpoint, new PacketRing(QueueCapacity, MaxDatagramSize));
            if (_sockets.TryAdd(endpoint, socket))
            {
                return socket;
            }

            if (port != 0)
            {
                throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse);
            }
        }
    }

    private sealed class Factory(InMemoryNetwork network, IPAddress address) : IDatagramSocketFactory
    {
        public IDatagramSocket Bind(ushort port, uint firewallMark)
        {
            InMemoryDatagramSocket socket = network.Bind(address, port);
            socket.SetFirewallMark(firewallMark);
            return socket;
        }
    }
}
