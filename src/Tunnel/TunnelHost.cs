using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tunnel.Core.Crypto;
using Tunnel.Internal;
using Tunnel.Uapi;

namespace Tunnel;

/// <summary>
/// A running WireGuard interface: the protocol core driven by a TUN device and a UDP socket, with timers,
/// live reconfiguration (<see cref="Apply"/>, <see cref="SetPeer"/>, <see cref="RemovePeer"/>), status and peer
/// events, statistics, logs and metrics.
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
    /// <exception cref="ArgumentException">The options are inconsistent (see <see cref="Apply"/>).</exception>
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
        ConfigurationRequests.Validate(options, ownKey: null);
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
    /// Makes the running configuration that of <paramref name="options"/>, all or nothing: peers that are not
    /// in it are removed, the others updated in place (their sessions and learned endpoints kept), and the
    /// port, firewall mark and private key set.
    /// </summary>
    /// <param name="options">
    /// The whole configuration. A <see cref="TunnelOptions.PrivateKey"/> of <see langword="null"/> keeps the
    /// current key; a <see cref="TunnelOptions.ListenPort"/> of 0 keeps the current port; a peer without an
    /// <see cref="TunnelPeerOptions.Endpoint"/> keeps the one it has. <see cref="TunnelOptions.Mtu"/> and
    /// <see cref="TunnelOptions.CryptoHelperThreads"/> are read once, at creation (the MTU then follows the interface's).
    /// </param>
    /// <exception cref="ArgumentException">
    /// The options are inconsistent (a peer listed twice, an allowed IP given to two peers, a peer with the
    /// interface's own key, an all-zero private key, an endpoint that is not an address and port); nothing changed.
    /// </exception>
    /// <exception cref="System.Net.Sockets.SocketException">The new port cannot be bound (in use); nothing changed.</exception>
    /// <exception cref="InvalidOperationException">The host has not been started.</exception>
    /// <exception cref="ObjectDisposedException">The host was disposed.</exception>
    public void Apply(TunnelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfNotRunning();
        _engine.ConfigureWith(running => ConfigurationRequests.Difference(options, running.Peers, running.PublicKey, running.ListenPort));
    }

    /// <summary>
    /// Adds a peer, or replaces the configuration of the peer with the same public key (its sessions kept):
    /// its preshared key (none when <see langword="null"/>), keepalive and allowed IPs become these; its endpoint
    /// changes when one is given.
    /// </summary>
    /// <param name="peer">The peer.</param>
    /// <exception cref="ArgumentException">
    /// An allowed IP belongs to another peer (remove it there first), the key is the interface's own, the
    /// endpoint is not an address and port, or the keepalive is not whole seconds up to 65,535; nothing changed.
    /// </exception>
    /// <exception cref="InvalidOperationException">The host has not been started.</exception>
    /// <exception cref="ObjectDisposedException">The host was disposed.</exception>
    public void SetPeer(TunnelPeerOptions peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ThrowIfNotRunning();
        _engine.ConfigureWith(
            running =>
            {
                ConfigurationRequests.Validate(peer, running.PublicKey);
                return new UapiSetRequest { Peers = [ConfigurationRequests.ForPeer(peer)] };
            },
            refuseTakenAllowedIps: true);
    }

    /// <summary>Removes a peer: its sessions end, its allowed IPs route nowhere.</summary>
    /// <param name="publicKey">The peer's public key.</param>
    /// <returns>Whether the peer existed.</returns>
    /// <exception cref="InvalidOperationException">The host has not been started.</exception>
    /// <exception cref="ObjectDisposedException">The host was disposed.</exception>
    public bool RemovePeer(PublicKey publicKey)
    {
        ThrowIfNotRunning();
        bool existed = false;
        _engine.ConfigureWith(running =>
        {
            existed = running.Peers.Contains(publicKey);
            return new UapiSetRequest { Peers = existed ? [new UapiPeerUpdate { PublicKey = publicKey, Remove = true }] : [] };
        });
        return existed;
    }

    /// <summary>Moves the interface to another UDP port; the old socket closes once the new one is bound.</summary>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <exception cref="System.Net.Sockets.SocketException">The port cannot be bound (in use); the old one stays.</exception>
    /// <exception cref="InvalidOperationException">The host has not been started.</exception>
    /// <exception cref="ObjectDisposedException">The host was disposed.</exception>
    public void SetListenPort(ushort port)
    {
        ThrowIfNotRunning();
        _engine.ConfigureWith(_ => new UapiSetRequest { ListenPort = port });
    }

    /// <summary>Sets the firewall mark of outgoing datagrams (Linux <c>SO_MARK</c>; 0 for none).</summary>
    /// <param name="mark">The mark.</param>
    /// <exception cref="System.Net.Sockets.SocketException">The socket refused the mark (it needs <c>CAP_NET_ADMIN</c>); nothing changed.</exception>
    /// <exception cref="InvalidOperationException">The host has not been started.</exception>
    /// <exception cref="ObjectDisposedException">The host was disposed.</exception>
    public void SetFirewallMark(uint mark)
    {
        ThrowIfNotRunning();
        _engine.ConfigureWith(_ => new UapiSetRequest { FwMark = mark });
    }

    /// <summary>
    /// Sets or replaces the interface's private key. A different key ends every session (they were made with
    /// the old one) and removes a peer that has the new key's public key, as wireguard-go does; the same key
    /// changes nothing.
    /// </summary>
    /// <param name="privateKey">The key; the host keeps its own copy, so the caller may wipe its one.</param>
    /// <exception cref="ArgumentException">The key is all zeros.</exception>
    /// <exception cref="InvalidOperationException">The host has not been started.</exception>
    /// <exception cref="ObjectDisposedException">The host was disposed.</exception>
    public void SetPrivateKey(PrivateKey privateKey)
    {
        if (privateKey.IsEmpty)
        {
            throw new ArgumentException("The private key is all zeros.", nameof(privateKey));
        }

        ThrowIfNotRunning();
        var request = new UapiSetRequest { PrivateKey = privateKey };
        try
        {
            _engine.ConfigureWith(_ => request);
        }
        finally
        {
            request.ClearKeys();
        }
    }

    /// <summary>Each peer's public configuration and state: endpoint, last handshake, transfer, allowed IPs, keepalive.</summary>
    /// <returns>A snapshot, peers in the order they were added; no key but their public ones.</returns>
    public IReadOnlyList<TunnelPeerStatus> GetPeers() => _engine.GetStatus().Peers;

    /// <summary>
    /// Peer events as they happen (handshakes, endpoint changes, give-ups, expired sessions), from the
    /// moment of the call until <paramref name="cancellationToken"/> is cancelled or the host stops.
    /// </summary>
    /// <param name="cancellationToken">Ends the watch.</param>
    /// <returns>The events, in order. A reader that falls more than 256 events behind loses its oldest ones.</returns>
    public async IAsyncEnumerable<TunnelPeerEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = _engine.AddWatcher();
        try
        {
            await foreach (var peerEvent in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return peerEvent;
            }
        }
        finally
        {
            _engine.RemoveWatcher(channel);
        }
    }

    /// <summary>Applies a UAPI set operation whole or not at all: the UAPI's way in, by <see cref="UapiHandler"/>.</summary>
    /// <exception cref="ArgumentException">The device refused it; nothing changed.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The new port cannot be bound; nothing changed.</exception>
    internal void Configure(UapiSetRequest request)
    {
        ThrowIfNotRunning();
        _engine.Configure(request);
    }

    /// <summary>The configuration and per-peer state with the keys, as a UAPI get reports it: for <see cref="UapiHandler"/> only.</summary>
    internal UapiDeviceState GetState() => _engine.GetState();

    private void ThrowIfNotRunning()
    {
        int state = Volatile.Read(ref _state);
        ObjectDisposedException.ThrowIf(state == 2, this);
        if (state == 0)
        {
            throw new InvalidOperationException("The tunnel host is not started: Start it before changing its configuration.");
        }
    }

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
