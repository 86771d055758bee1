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

    /// <summary>Queries handled at once; more are dropped and counted (the client retries). Default 256.</summary>
    public int MaxConcurrentQueries { get; set; } = 256;

    /// <summary>How long an idle TCP client connection stays open. Default 10 s.</summary>
    public TimeSpan TcpIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether <c>use-application-dns.net</c> is answered NXDOMAIN, the canary that tells browsers not to
    /// switch to their own DNS-over-HTTPS resolver (which would bypass the forwarder and its learned routes).
    /// Default <see langword="true"/>.
    /// </summary>
    public bool BlockDohCanary { get; set; } = true;
}
