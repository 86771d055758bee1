using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tunnel.Dns.Internal;
using Tunnel.Routing;

namespace Tunnel.Dns;

/// <summary>
/// A DNS forwarder for the split-tunnel router, over UDP and TCP on one address: it relays each query to the
/// per-domain server whose suffix covers the name (else to the default upstreams, each tried in turn), and
/// before it releases an answer it hands it to the <see cref="SplitTunnelController"/>, which installs the
/// routes the answer's addresses need (learn, then release; SERVFAIL when they cannot be learned where the
/// rule sends the name into the tunnel). It answers the DoH canary <c>use-application-dns.net</c> with
/// NXDOMAIN, and SERVFAIL when no upstream answers.
/// </summary>
/// <remarks>
/// It is bounded and never an open resolver: only this machine's addresses are served (unless
/// <see cref="DnsForwarderOptions.AcceptRemoteClients"/>); queries in flight are capped in all and per client
/// address, over UDP and TCP alike; TCP connections are capped in all and per client, and closed when a whole
/// query does not arrive or an answer cannot be written in time. Each query goes upstream with a random ID of
/// its own (RFC 5452), and the answer is given back with the client's.
/// </remarks>
public sealed partial class DnsForwarder : IAsyncDisposable
{
    private static readonly byte[] CanaryName = "use-application-dns.net"u8.ToArray();

    private readonly DnsForwarderOptions _options;
    private readonly SplitTunnelController? _controller;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _inFlight;
    private readonly DnsClientCounter _queriesByClient;
    private readonly DnsClientCounter _connectionsByClient;
    private readonly LocalAddressSet _local;
    private readonly CancellationTokenSource _stopping = new();
    private volatile DnsUpstreamTable _upstreams;
    private Socket? _udp;
    private Socket? _tcp;
    private Task _udpLoop = Task.CompletedTask;
    private Task _tcpLoop = Task.CompletedTask;
    private long _udpQueries, _tcpQueries, _forwarded, _forwardedToFallback, _upstreamFailures, _serverFailures, _canary, _malformed, _dropped, _routesLearned, _remoteRefused, _connectionsRejected, _tcpTimeouts, _withheld;
    private int _tcpConnections;

    /// <summary>Creates a forwarder; it listens once started.</summary>
    /// <param name="options">Where to listen and whom to ask.</param>
    /// <param name="controller">The router to feed answers to before they are released; none when <see langword="null"/>.</param>
    /// <param name="logger">The log; none when <see langword="null"/>.</param>
    public DnsForwarder(DnsForwarderOptions options, SplitTunnelController? controller = null, ILogger<DnsForwarder>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.ListenEndPoint);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentQueries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.QueryTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxQueriesPerClient, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTcpConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTcpConnectionsPerClient, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.TcpIdleTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.TcpWriteTimeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        _options = options;
        _controller = controller;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _inFlight = new SemaphoreSlim(options.MaxConcurrentQueries, options.MaxConcurrentQueries);
        _queriesByClient = new DnsClientCounter(options.MaxQueriesPerClient);
        _connectionsByClient = new DnsClientCounter(options.MaxTcpConnectionsPerClient);
        _local = new LocalAddressSet(options.TimeProvider);
        _upstreams = new DnsUpstreamTable(options.Upstreams, options.FallbackDomains);
    }

    /// <summary>The address and port it answers on (the chosen port when the options said 0); <see langword="null"/> before start.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>The default upstream servers now in use.</summary>
    public IReadOnlyList<IPEndPoint> Upstreams => _upstreams.Defaults;

    /// <summary>The per-domain servers now in use.</summary>
    public IReadOnlyList<DnsFallbackDomain> FallbackDomains => _upstreams.FallbackDomains;

    /// <summary>What it has handled so far.</summary>
    public DnsForwarderStatistics Statistics => new()
    {
        UdpQueries = Interlocked.Read(ref _udpQueries),
        TcpQueries = Interlocked.Read(ref _tcpQueries),
        Forwarded = Interlocked.Read(ref _forwarded),
        ForwardedToFallbackDomains = Interlocked.Read(ref _forwardedToFallback),
        UpstreamFailures = Interlocked.Read(ref _upstreamFailures),
        ServerFailures = Interlocked.Read(ref _serverFailures),
        CanaryAnswers = Interlocked.Read(ref _canary),
        MalformedQueries = Interlocked.Read(ref _malformed),
        DroppedQueries = Interlocked.Read(ref _dropped),
        RoutesLearned = Interlocked.Read(ref _routesLearned),
        RemoteClientsRefused = Interlocked.Read(ref _remoteRefused),
        TcpConnectionsRejected = Interlocked.Read(ref _connectionsRejected),
        TcpTimeouts = Interlocked.Read(ref _tcpTimeouts),
        AnswersWithheld = Interlocked.Read(ref _withheld),
    };

    /// <summary>TCP connections open now.</summary>
    public int TcpConnections => Volatile.Read(ref _tcpConnections);

    /// <summary>
    /// System entries that send the forwarder's default upstreams direct, so name resolution keeps working
    /// whatever the policy says and while the tunnel is down. Per-domain servers are not included.
    /// </summary>
    /// <remarks>
    /// Only for upstreams outside the tunnel: a server inside the tunnel's allowed IPs (a <c>.conf</c>'s
    /// <c>DNS =</c>, as a rule) must get an entry that sends it through the tunnel instead, or every query
    /// crosses the physical link in clear. The agent makes its own entries, by the allowed IPs.
    /// </remarks>
    /// <returns>One host entry per default upstream address.</returns>
    public IReadOnlyList<SplitTunnelRule> GetSystemRules() =>
        _upstreams.Defaults
            .Select(server => server.Address)
            .Distinct()
            .Select(address => SplitTunnelRule.ForSystem(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128), RouteDecision.Direct, $"DNS upstream {address}"))
            .ToArray();

    /// <summary>Replaces the upstream servers live; queries in flight finish with the old ones.</summary>
    /// <param name="upstreams">The default servers.</param>
    /// <param name="fallbackDomains">The per-domain servers.</param>
    /// <exception cref="ArgumentException">A suffix is not a domain name or has no servers; nothing changes.</exception>
    public void SetUpstreams(IEnumerable<IPEndPoint> upstreams, IEnumerable<DnsFallbackDomain> fallbackDomains)
    {
        ArgumentNullException.ThrowIfNull(upstreams);
        ArgumentNullException.ThrowIfNull(fallbackDomains);
        try
        {
            _upstreams = new DnsUpstreamTable(upstreams, fallbackDomains);
        }
        catch (FormatException exception)
        {
            throw new ArgumentException(exception.Message, nameof(fallbackDomains), exception);
        }
    }

    /// <summary>Binds the UDP and TCP sockets and starts answering.</summary>
    /// <param name="cancellationToken">Unused; binding does not wait.</param>
    /// <returns>A completed task.</returns>
    /// <exception cref="SocketException">The address is in use or not local.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        var endPoint = _options.ListenEndPoint;
        _udp = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(endPoint);
        LocalEndPoint = (IPEndPoint)_udp.LocalEndPoint!;

        // TCP on the same port, so a client that got a truncated answer retries where it asked.
        _tcp = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _tcp.Bind(LocalEndPoint);
        _tcp.Listen(64);

        _udpLoop = Task.Run(() => RunUdpAsync(_udp, _stopping.Token), CancellationToken.None);
        _tcpLoop = Task.Run(() => RunTcpAsync(_tcp, _stopping.Token), CancellationToken.None);
        Log.Listening(_logger, LocalEndPoint, _upstreams.Defaults.Count, _upstreams.FallbackDomains.Count);
        return Task.CompletedTask;
    }

    /// <summary>Stops answering and closes the sockets; queries in flight are abandoned.</summary>
    /// <returns>A task that completes when the loops have ended.</returns>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _udp?.Dispose();
        _tcp?.Dispose();
        await Task.WhenAll(_udpLoop, _tcpLoop).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _inFlight.Dispose();
    }

    /// <summary>
    /// Answers one query into <paramref name="response"/>: the canary, an upstream's answer (learned from
    /// before it is returned), or SERVFAIL. Returns the answer's length, or -1 to drop the query.
    /// </summary>
    private async ValueTask<int> ResolveAsync(ReadOnlyMemory<byte> query, Memory<byte> response, bool overTcp, CancellationToken cancellationToken)
    {
        IReadOnlyList<IPEndPoint> servers;
        bool fallback;
        if (!TryReadQuestion(query.Span, out bool isCanary, out servers, out fallback))
        {
            Interlocked.Increment(ref _malformed);
            return -1;
        }

        if (isCanary && _options.BlockDohCanary)
        {
            Interlocked.Increment(ref _canary);
            return DnsMessageWriter.TryWriteErrorResponse(query.Span, DnsResponseCode.NameError, response.Span, out int written) ? written : -1;
        }

        // The query goes upstream with an ID of its own: the client's may be predictable (RFC 5452), and a
        // forged answer must guess it along with the fresh socket's port. The answer gets the client's back.
        ushort clientId = BinaryPrimitives.ReadUInt16BigEndian(query.Span);
        byte[] upstreamQuery = Rent();
        try
        {
            query.Span.CopyTo(upstreamQuery);
            var outgoing = upstreamQuery.AsMemory(0, query.Length);
            foreach (var server in servers)
            {
                BinaryPrimitives.WriteUInt16BigEndian(upstreamQuery, (ushort)RandomNumberGenerator.GetInt32(0, 0x10000));
                int length = overTcp
                    ? await DnsUpstreamExchange.ExchangeTcpAsync(outgoing, server, response, _options.QueryTimeout, cancellationToken).ConfigureAwait(false)
                    : await DnsUpstreamExchange.ExchangeUdpAsync(outgoing, server, response, _options.QueryTimeout, cancellationToken).ConfigureAwait(false);
                if (length < 0)
                {
                    Interlocked.Increment(ref _upstreamFailures);
                    Log.UpstreamFailed(_logger, server);
                    continue;
                }

                BinaryPrimitives.WriteUInt16BigEndian(response.Span, clientId);
                Interlocked.Increment(ref _forwarded);
                if (fallback)
                {
                    Interlocked.Increment(ref _forwardedToFallback);
                }

                if (_controller is not null)
                {
                    var learning = await _controller.LearnAnswerAsync(response[..length], cancellationToken).ConfigureAwait(false);
                    Interlocked.Add(ref _routesLearned, learning.RoutesAdded);
                    if (!learning.MayRelease)
                    {
                        // Fail closed: the name's addresses would not route by its rule.
                        Interlocked.Increment(ref _withheld);
                        return DnsMessageWriter.TryWriteErrorResponse(query.Span, DnsResponseCode.ServerFailure, response.Span, out int withheld) ? withheld : -1;
                    }
                }

                return length;
            }
        }
        finally
        {
            Return(upstreamQuery);
        }

        Interlocked.Increment(ref _serverFailures);
        return DnsMessageWriter.TryWriteErrorResponse(query.Span, DnsResponseCode.ServerFailure, response.Span, out int failed) ? failed : -1;
    }

    /// <summary>Whether a query or connection from <paramref name="client"/> is served: this machine's own, unless remote clients are accepted.</summary>
    private bool IsAllowedClient(IPAddress client)
    {
        if (_options.AcceptRemoteClients || _local.Contains(client))
        {
            return true;
        }

        Interlocked.Increment(ref _remoteRefused);
        return false;
    }

    /// <summary>Takes a slot for one query: one of the shared ones and one of the client's. Counted as dropped when none is free.</summary>
    private bool TryEnterQuery(IPAddress client)
    {
        if (!_inFlight.Wait(0, CancellationToken.None))
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        if (!_queriesByClient.TryAcquire(client))
        {
            _inFlight.Release();
            Interlocked.Increment(ref _dropped);
            return false;
        }

        return true;
    }

    private void ExitQuery(IPAddress client)
    {
        _queriesByClient.Release(client);
        _inFlight.Release();
    }

    private bool TryReadQuestion(ReadOnlySpan<byte> query, out bool isCanary, out IReadOnlyList<IPEndPoint> servers, out bool fallback)
    {
        isCanary = false;
        servers = [];
        fallback = false;
        if (!DnsMessage.TryParse(query, out var message, out _) || message.IsResponse || !message.TryGetQuestion(out var question))
        {
            return false;
        }

        Span<byte> name = stackalloc byte[DnsName.MaxLength];
        int length = question.Name.CopyTo(name);
        if (length < 0)
        {
            return false;
        }

        isCanary = name[..length].SequenceEqual(CanaryName);
        servers = _upstreams.Select(name[..length], out fallback);
        return true;
    }

    private static byte[] Rent() => ArrayPool<byte>.Shared.Rent(DnsUpstreamExchange.MaxMessageLength + 2);

    private static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "DNS forwarder listening on {EndPoint} (UDP and TCP) with {Upstreams} upstream servers and {Domains} per-domain servers")]
        public static partial void Listening(ILogger logger, IPEndPoint endPoint, int upstreams, int domains);

        [LoggerMessage(2, LogLevel.Debug, "DNS server {Server} did not answer")]
        public static partial void UpstreamFailed(ILogger logger, IPEndPoint server);

        [LoggerMessage(3, LogLevel.Warning, "The DNS forwarder's {Transport} loop failed")]
        public static partial void LoopFailed(ILogger logger, Exception exception, string transport);
    }
}
