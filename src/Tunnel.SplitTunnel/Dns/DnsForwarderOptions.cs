using System.Net;

namespace Tunnel.Dns;

/// <summary>Where a <see cref="DnsForwarder"/> listens and whom it asks.</summary>
public sealed class DnsForwarderOptions
{
    /// <summary>The address and port it answers on, over UDP and TCP. Port 0 picks a free port (see <see cref="DnsForwarder.LocalEndPoint"/>).</summary>
    public IPEndPoint ListenEndPoint { get; set; } = new(IPAddress.Loopback, 53);

    /// <summary>The servers asked for names no <see cref="FallbackDomains"/> entry covers, in order.</summary>
    public IList<IPEndPoint> Upstreams { get; } = [];

    /// <summary>Per-domain servers, by suffix.</summary>
    public IList<DnsFallbackDomain> FallbackDomains { get; } = [];

    /// <summary>How long one upstream server has to answer before the next is tried. Default 2 s.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Queries handled at once, over UDP and TCP together; more are dropped and counted (the client retries). Default 256.</summary>
    public int MaxConcurrentQueries { get; set; } = 256;

    /// <summary>
    /// Queries one client address may have in flight, over UDP and TCP together, so one client cannot take
    /// every slot of <see cref="MaxConcurrentQueries"/>; more are dropped and counted. Default 32.
    /// </summary>
    public int MaxQueriesPerClient { get; set; } = 32;

    /// <summary>Open TCP connections in all; more are closed at once and counted. Default 128.</summary>
    public int MaxTcpConnections { get; set; } = 128;

    /// <summary>Open TCP connections from one client address; more are closed at once and counted. Default 16.</summary>
    public int MaxTcpConnectionsPerClient { get; set; } = 16;

    /// <summary>
    /// How long a TCP connection has to deliver its next whole query (after it opens, or after the last
    /// answer); a client that sends nothing, or a byte at a time, is closed when it passes. Default 10 s.
    /// </summary>
    public TimeSpan TcpIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long writing one answer may take; a client that does not read is closed when it passes. Default 5 s.</summary>
    public TimeSpan TcpWriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether queries from other machines are answered. When <see langword="false"/> (the default) only
    /// this machine's own addresses (loopback and its interfaces' addresses) are served, so a forwarder on
    /// the tunnel's address is never an open resolver for a LAN neighbour or a host behind the gateway;
    /// other queries and connections are dropped and counted.
    /// </summary>
    public bool AcceptRemoteClients { get; set; }

    /// <summary>The clock for the TCP timeouts; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Whether <c>use-application-dns.net</c> is answered NXDOMAIN, the canary that tells browsers not to
    /// switch to their own DNS-over-HTTPS resolver (which would bypass the forwarder and its learned routes).
    /// Default <see langword="true"/>.
    /// </summary>
    public bool BlockDohCanary { get; set; } = true;
}
