using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Tunnel.Net;

/// <summary>Options of <see cref="TunnelNetwork.StartAsync"/>.</summary>
public sealed record TunnelNetworkOptions
{
    /// <summary>The name the device engine reports for the stack's "interface".</summary>
    public string InterfaceName { get; init; } = "tunnel-net";

    /// <summary>Where the tunnel's own UDP datagrams go; ordinary sockets (<see cref="Sockets.UdpDatagramSocketFactory"/>) by default.</summary>
    public IDatagramSocketFactory? DatagramSockets { get; init; }

    /// <summary>The clock for ping round trips, timeouts and the engine's timers; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Logs the engine's events; none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the engine's meter; a standalone meter by default.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Packets the queue towards the tunnel holds; a sender waits while it is full.</summary>
    public int OutboundQueueCapacity { get; init; } = 1024;

    /// <summary>Datagrams each UDP client's receive queue holds; more are dropped and counted, as a full socket buffer drops them.</summary>
    public int UdpReceiveQueueCapacity { get; init; } = 256;

    /// <summary>Bytes each TCP connection buffers towards the peer; writes wait while it is full.</summary>
    public int TcpSendBufferSize { get; init; } = 256 * 1024;

    /// <summary>Bytes each TCP connection buffers from the peer: the window it offers (scaled, RFC 7323).</summary>
    public int TcpReceiveBufferSize { get; init; } = 256 * 1024;

    /// <summary>Whether small TCP writes go out at once (the default) rather than waiting for outstanding data to be acknowledged (Nagle's algorithm).</summary>
    public bool TcpNoDelay { get; init; } = true;

    /// <summary>Idle time after which a TCP connection probes its peer, and fails when nine probes go unanswered; null (the default) for none.</summary>
    public TimeSpan? TcpKeepAlive { get; init; }

    /// <summary>
    /// The bytes all TCP connections' buffers may hold together: 256 MiB by default, at least one connection's send and
    /// receive buffers. A connection's buffers are made at its first byte each way and let go when it is done with them;
    /// one that finds no room offers the peer a zero window (or its writer waits) until another connection gives room
    /// back, so memory stays bounded however many connections are busy.
    /// </summary>
    public long TcpMemoryLimit { get; init; } = 256L * 1024 * 1024;

    /// <summary>The most TCP connections in any state (handshakes, established, TIME-WAIT) the stack holds.</summary>
    public int MaxTcpConnections { get; init; } = 4096;

    /// <summary>How long a name server has to answer one query before the next is asked (or the query is sent again).</summary>
    public TimeSpan DnsTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How many times each name server is asked before resolution fails.</summary>
    public int DnsAttempts { get; init; } = 2;
}
