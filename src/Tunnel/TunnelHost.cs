using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tunnel.Core.Crypto;
using Tunnel.Internal;
using Tunnel.Uapi;

namespace Tunnel;

/// <summary>
/// A running WireGuard interface: the protocol core driven by a TUN device and a UDP socket, with timers,
/// live reconfiguration in UAPI terms, statistics, logs and metrics.
/// </summary>
/// <remarks>
/// The host owns the TUN device it is given and closes it when disposed. Packets move on two dedicated
/// threads (TUN to UDP, UDP to TUN) in batches; timers fire from <see cref="TimeProvider"/> exactly when the
/// core's next deadline falls due, never by polling.
/// </remarks>
public sealed class TunnelHost : IAsyncDisposable
{
    private readonly DeviceEngine _engine;
    private readonly TunnelOptions _options;
    private readonly TunnelMetrics _metrics;
    private int _state; // 0 created, 1 started, 2 disposed

    /// <summary>A bound on <see cref="TunnelOptions.CryptoHelperThreads"/> that no machine's processor count reaches.</summary>
    private const int MaxCryptoHelperThreads = 1024;

    /// <summary>Creates a host; <see cref="Start"/> brings it up.</summary>
    /// <param name="options">The interface configuration.</param>
    /// <param name="tunDevice">The TUN device; the host takes ownership.</param>
    /// <param name="socketFactory">Opens the UDP socket (again when the port or mark changes).</param>
    /// <param name="loggerFactory">Where logs go; none by default.</param>
    /// <param name="timeProvider">The clock and timers; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="meterFactory">Creates the <c>Tunnel</c> meter; a standalone meter by default.</param>
    /// <exception cref="ArgumentOutOfRangeException">The MTU is below 576, or <see cref="TunnelOptions.CryptoHelperThreads"/> is negative or above 1,024.</exception>
    public TunnelHost(
        TunnelOptions options,
        ITunDevice tunDevice,
        IDatagramSocketFactory socketFactory,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tunDevice);
        ArgumentNullException.ThrowIfNull(socketFactory);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Mtu, 576, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.CryptoHelperThreads, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.CryptoHelperThreads, MaxCryptoHelperThreads, nameof(options));
        // A copy of our own, so its key can be wiped once it is in the device without touching the caller's.
        _options = options with { };
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Tunnel.TunnelHost");
        _engine = new DeviceEngine(options, tunDevice, socketFactory, timeProvider ?? TimeProvider.System, logger, CryptographicEntropy.Instance);
        _metrics = new TunnelMetrics(_engine, meterFactory);
    }

    /// <summary>The interface name.</summary>
    public string Name => _engine.Name;

    /// <summary>The interface's public key; <see langword="null"/> until a private key is configured.</summary>
    public PublicKey? PublicKey => _engine.PublicKey;

    /// <summary>The UDP port the interface listens on (0 before <see cref="Start"/>).</summary>
    public ushort ListenPort => _engine.ListenPort;

    /// <summary>
    /// Completes when the host stops: successfully after <see cref="DisposeAsync"/>, faulted when a pump
    /// failed (for example, the TUN interface was deleted).
    /// </summary>
    public Task Completion => _engine.Completion;

    /// <summary>Binds the socket, configures the peers and starts moving packets.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The listen port is in use.</exception>
    /// <exception cref="InvalidOperationException">The host was started or disposed before.</exception>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("A tunnel host starts once.");
        }

        try
        {
            _engine.Start(_options);
        }
        finally
        {
            _options.ClearPrivateKey();
        }
    }

    /// <summary>
    /// Applies a UAPI set request (as <c>wg set</c> and <c>wg setconf</c> send) whole or not at all.
    /// </summary>
    /// <param name="request">The validated request (<see cref="UapiProtocol.TryParseSet"/>).</param>
    /// <param name="errno">0, or the negative errno to answer with.</param>
    /// <param name="error">Why it was refused.</param>
    /// <returns>Whether it was applied; when not, the previous configuration is intact.</returns>
    public bool TryConfigure(UapiSetRequest request, out int errno, out string? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == 2, this);
        return _engine.TryConfigure(request, out errno, out error);
    }

    /// <summary>The configuration and per-peer state, as a UAPI get request reports it, keys included.</summary>
    /// <returns>A snapshot. It holds the private and preshared keys: for a status display use <see cref="GetStatus"/>.</returns>
    public UapiDeviceState GetState() => _engine.GetState();

    /// <summary>Public keys, endpoints, handshake times and transfer: what a status display needs, and no secret.</summary>
    /// <returns>A snapshot.</returns>
    public TunnelStatus GetStatus() => _engine.GetStatus();

    /// <summary>Totals since start: datagrams and bytes each way, handshakes, drops by reason.</summary>
    /// <returns>A snapshot.</returns>
    public TunnelStatistics GetStatistics() => TunnelStatistics.Read(_engine);

    /// <summary>Stops the pumps and timers and closes the socket and the TUN device.</summary>
    /// <returns>A task that completes when everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        // Joining the pump threads blocks; do it off the caller's thread. Stopping wipes the device's keys.
        await Task.Run(_engine.Stop).ConfigureAwait(false);
        _options.ClearPrivateKey();
        _metrics.Dispose();
    }
}
