using System.Net;
using Tunnel.Core.Cookies;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol.Internal;
using Tunnel.Core.Routing;

namespace Tunnel.Core.Protocol;

/// <summary>
/// The WireGuard protocol for one interface, as a deterministic state machine with no I/O: bytes, the
/// current device time and entropy go in; results, transmits, events and the next deadline come out.
/// It holds the peers (by public key, by receiver index, by allowed IP) and routes every message to
/// the right one, so a driver only moves bytes between a TUN device, a UDP socket and these calls.
/// </summary>
/// <remarks>
/// <para>
/// Device time is a monotonic <see cref="TimeSpan"/> chosen by the driver; it must never go backwards.
/// After every call the driver drains <see cref="TryDequeueTransmit(Span{byte}, TimeSpan, out PacketResult)"/> (handshakes, keepalives, packets
/// released by a completed handshake), then sleeps until <see cref="NextDeadline"/> or the next packet,
/// whichever comes first, and calls <see cref="HandleTimeout"/> when the deadline passes.
/// </para>
/// <para>Not thread-safe: one thread drives a device.</para>
/// </remarks>
public sealed partial class Device
{
    private static ReadOnlySpan<byte> Construction => "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"u8;

    private static ReadOnlySpan<byte> Identifier => "WireGuard v1 zx2c4 Jason@zx2c4.com"u8;

    private readonly DeviceOptions _options;
    private int _mtu;
    private readonly IEntropySource _entropy;
    private RetryJitter _jitter;
    private readonly Dictionary<PublicKey, Peer> _peers = [];
    private readonly Dictionary<uint, IndexEntry> _indices = [];
    private readonly Queue<TransmitItem> _transmits = new();
    private readonly Queue<DeviceEvent> _events = new();
    private readonly List<Peer> _due = [];
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];
    private CookieChecker _cookieChecker;
    private readonly RateLimiter _rateLimiter;
    private PrivateKey _privateKey;
    private Noise.Internal.SymmetricState _initialState;
    private CidrTable<Peer> _allowedIps = CidrTable<Peer>.Empty;
    private TimeSpan _underLoadUntil = TimeSpan.MinValue;

    /// <summary>Changes with the private key, so a handshake job prepared under the old one is not applied.</summary>
    private long _identity;

    /// <summary>Creates a device with no peers.</summary>
    /// <param name="options">The configuration.</param>
    /// <param name="entropy">The source of every random value the device needs.</param>
    public Device(DeviceOptions options, IEntropySource entropy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(entropy);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Mtu, 576);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Mtu, MaxMtu);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StagedPacketLimit, 1);
        _options = options;
        _mtu = options.Mtu;
        _entropy = entropy;
        _privateKey = options.PrivateKey;
        PublicKey = _privateKey.IsEmpty ? default : _privateKey.GetPublicKey();
        _initialState = InitialStateFor(PublicKey);
        _cookieChecker = new CookieChecker(PublicKey, entropy);
        _rateLimiter = new RateLimiter(options.RateLimiterCapacity, entropy);
    }

    /// <summary>The device's static public key; all zeros while it has no private key.</summary>
    public PublicKey PublicKey { get; private set; }

    /// <summary>
    /// Whether the device has a private key. Without one it drops every handshake message and outgoing packet
    /// (<see cref="DropReason.NoPrivateKey"/>) and sends nothing, so no key is ever invented for it.
    /// </summary>
    public bool HasPrivateKey => !PublicKey.IsEmpty;

    /// <summary>The tunnel MTU: the largest packet <see cref="Encapsulate"/> accepts, and the padding cap.</summary>
    public int Mtu => _mtu;

    /// <summary>The largest MTU a device takes: a datagram of it, padded and sealed, still fits UDP over IPv6 (65535 less 40 + 8 + 32).</summary>
    public const int MaxMtu = 65535 - 80;

    /// <summary>
    /// Follows an MTU change on the interface (an administrator's <c>ip link set mtu</c>): packets are accepted and
    /// padded up to the new value from the next call on. Packets already staged for a handshake keep their size.
    /// </summary>
    /// <param name="mtu">The new MTU, 576 to <see cref="MaxMtu"/>.</param>
    public void SetMtu(int mtu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 576);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mtu, MaxMtu);
        _mtu = mtu;
    }

    /// <summary>The peers.</summary>
    public IReadOnlyCollection<Peer> Peers => _peers.Values;

    /// <summary>The allowed-IPs table: cryptokey routing from inner addresses to peers.</summary>
    public CidrTable<Peer> AllowedIps => _allowedIps;

    /// <summary>
    /// Replaces the device's private key, as <c>wg set private-key</c> does on a running interface: a peer
    /// whose public key is the new public key is removed (a device is not its own peer), every peer's
    /// static-static DH is recomputed, and every session and handshake is dropped, since they were made
    /// with the old identity. New handshakes start as traffic needs them. An empty key removes the key:
    /// the device then answers and sends nothing (<see cref="HasPrivateKey"/>).
    /// </summary>
    /// <param name="privateKey">The new private key, or an empty one to remove it.</param>
    public void SetPrivateKey(in PrivateKey privateKey)
    {
        PublicKey publicKey = privateKey.IsEmpty ? default : privateKey.GetPublicKey();
        if (publicKey == PublicKey)
        {
            return;
        }

        if (!publicKey.IsEmpty)
        {
            RemovePeer(publicKey);
        }

        _identity++;
        _privateKey.Clear();
        _privateKey = privateKey;
        PublicKey = publicKey;
        _initialState = InitialStateFor(publicKey);
        _cookieChecker = new CookieChecker(publicKey, _entropy);
        foreach (var peer in _peers.Values)
        {
            peer.StaticStaticValid = HasPrivateKey && _privateKey.TryComputeSharedSecret(peer.PublicKey, peer.StaticStatic);
            peer.ReleaseAllKeypairs();
            RemoveIndex(peer.Handshake.LocalIndex);
            peer.Handshake.Clear();
            // As wireguard-go's ExpireCurrentKeypairs: the initiation rate limit restarts, so traffic
            // right after the change handshakes under the new identity at once, not after Rekey-Timeout.
            peer.Handshake.HasSentInitiation = false;
            peer.RetransmitHandshakeAt = Peer.Never;
        }
    }

    /// <summary>Adds a peer, or returns the existing one with that key.</summary>
    /// <param name="publicKey">The peer's static public key.</param>
    /// <returns>The peer.</returns>
    /// <exception cref="ArgumentException">The key is our own, or empty.</exception>
    public Peer AddPeer(in PublicKey publicKey)
    {
        if (publicKey.IsEmpty || publicKey == PublicKey)
        {
            throw new ArgumentException("A peer's key must be set and differ from the device's own.", nameof(publicKey));
        }

        if (_peers.TryGetValue(publicKey, out var existing))
        {
            return existing;
        }

        var peer = new Peer(this, publicKey);
        peer.StaticStaticValid = HasPrivateKey && _privateKey.TryComputeSharedSecret(publicKey, peer.StaticStatic);
        peer.InitialState = InitialStateFor(publicKey);
        _peers.Add(publicKey, peer);
        return peer;
    }

    /// <summary>Finds a peer by its public key.</summary>
    /// <param name="publicKey">The key.</param>
    /// <param name="peer">The peer, when found.</param>
    /// <returns>Whether the peer exists.</returns>
    public bool TryGetPeer(in PublicKey publicKey, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Peer? peer) =>
        _peers.TryGetValue(publicKey, out peer);

    /// <summary>Removes a peer: its sessions are wiped, its staged packets and allowed IPs dropped.</summary>
    /// <param name="publicKey">The peer's key.</param>
    /// <returns>Whether the peer existed.</returns>
    public bool RemovePeer(in PublicKey publicKey)
    {
        if (!_peers.Remove(publicKey, out var peer))
        {
            return false;
        }

        peer.IsRemoved = true;
        peer.ReleaseAllKeypairs();
        RemoveIndex(peer.Handshake.LocalIndex);
        peer.Handshake.Clear();
        peer.Cookies.Clear();
        peer.ClearStaged();
        peer.ResetTimers();
        Timers.Remove(peer);
        var builder = _allowedIps.ToBuilder();
        if (builder.RemoveValue(peer) > 0)
        {
            _allowedIps = builder.ToTable();
        }

        return true;
    }

    /// <summary>Sets where datagrams to <paramref name="peer"/> go, until the peer roams.</summary>
    /// <param name="peer">The peer.</param>
    /// <param name="endpoint">Its endpoint.</param>
    public void SetEndpoint(Peer peer, UdpEndpoint endpoint)
    {
        ThrowIfForeign(peer);
        peer.Endpoint = endpoint;
    }

    /// <summary>
    /// Forgets the local address every peer's endpoint carries (<see cref="UdpEndpoint.WithoutLocal"/>), so the
    /// system chooses the source again until each peer writes anew: for a socket that was replaced, whose
    /// addresses may be gone or different.
    /// </summary>
    public void ClearEndpointLocalAddresses()
    {
        foreach (Peer peer in _peers.Values)
        {
            peer.Endpoint = peer.Endpoint.WithoutLocal();
        }
    }

    /// <summary>Sets the preshared key; it applies from the next handshake (an empty key means none).</summary>
    /// <param name="peer">The peer.</param>
    /// <param name="presharedKey">The key.</param>
    public void SetPresharedKey(Peer peer, in PresharedKey presharedKey)
    {
        ThrowIfForeign(peer);
        peer.PresharedKeyValue = presharedKey;
    }

    /// <summary>
    /// Sets the persistent keepalive interval (zero turns it off). Turning it on queues a keepalive at once,
    /// as wireguard-go does, so a peer behind NAT becomes reachable without waiting an interval.
    /// </summary>
    /// <param name="peer">The peer.</param>
    /// <param name="interval">The interval, 0 to 65535 seconds.</param>
    /// <param name="now">The current device time.</param>
    public void SetPersistentKeepalive(Peer peer, TimeSpan interval, TimeSpan now)
    {
        ThrowIfForeign(peer);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(interval, TimeSpan.FromSeconds(ushort.MaxValue));
        bool turnedOn = peer.PersistentKeepaliveInterval == TimeSpan.Zero && interval > TimeSpan.Zero;
        peer.PersistentKeepaliveInterval = interval;
        peer.PersistentKeepaliveAt = interval > TimeSpan.Zero ? now + interval : Peer.Never;
        if (turnedOn)
        {
            QueueKeepalive(peer);
        }
    }

    /// <summary>Replaces the device's allowed-IPs table at once (for example from a configuration); lookups switch atomically.</summary>
    /// <param name="update">Changes the builder that holds the current entries.</param>
    public void UpdateAllowedIps(Action<CidrTableBuilder<Peer>> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var builder = _allowedIps.ToBuilder();
        update(builder);
        var table = builder.ToTable();
        foreach (var entry in table.GetEntries())
        {
            ThrowIfForeign(entry.Value);
        }

        _allowedIps = table;
    }

    /// <summary>Adds an allowed IP prefix for <paramref name="peer"/>, taking it from any peer that had it.</summary>
    /// <param name="peer">The peer.</param>
    /// <param name="prefix">The prefix.</param>
    public void AddAllowedIp(Peer peer, IPNetwork prefix)
    {
        ThrowIfForeign(peer);
        _allowedIps = _allowedIps.ToBuilder().Set(prefix, peer).ToTable();
    }

    /// <summary>The number of inputs dropped for <paramref name="reason"/>.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The count since the device was created.</returns>
    public long GetDropCount(DropReason reason) => _drops[(int)reason];

    /// <summary>Takes the oldest pending event.</summary>
    /// <param name="deviceEvent">The event, when there is one.</param>
    /// <returns>Whether there was one.</returns>
    public bool TryDequeueEvent(out DeviceEvent deviceEvent) => _events.TryDequeue(out deviceEvent);

    /// <summary>
    /// Tells the device how many handshake messages the driver has queued. At or above
    /// <see cref="DeviceOptions.UnderLoadBacklog"/> the device is under load for the next second: it answers
    /// handshakes without a valid MAC2 with a cookie reply, and rate-limits each source.
    /// </summary>
    /// <param name="backlog">Handshake messages waiting.</param>
    /// <param name="now">The current device time.</param>
    public void ReportHandshakeBacklog(int backlog, TimeSpan now)
    {
        if (backlog >= _options.UnderLoadBacklog)
        {
            _underLoadUntil = now + ProtocolTimings.UnderLoadHold;
        }
    }

    internal void RemoveIndex(uint index)
    {
        if (index != 0)
        {
            _indices.Remove(index);
        }
    }

    private bool IsUnderLoad(TimeSpan now) => now < _underLoadUntil;

    private PacketResult Drop(DropReason reason, Peer? peer = null)
    {
        _drops[(int)reason]++;
        return PacketResult.Dropped(reason, peer);
    }

    private void Raise(DeviceEventKind kind, Peer peer, TimeSpan now)
    {
        // Bounded: a driver that never drains events must not grow the device without limit.
        if (_events.Count >= 1024)
        {
            _events.Dequeue();
        }

        _events.Enqueue(new DeviceEvent(kind, peer, now));
    }

    /// <summary>A fresh receiver index: random, non-zero, unused.</summary>
    private uint NewIndex(Peer peer, Keypair? keypair)
    {
        Span<byte> bytes = stackalloc byte[4];
        uint index;
        do
        {
            _entropy.Fill(bytes);
            index = BitConverter.ToUInt32(bytes);
        }
        while (index == 0 || _indices.ContainsKey(index));

        _indices.Add(index, new IndexEntry(peer, keypair));
        return index;
    }

    /// <summary>Random jitter in [0, 334) ms for handshake retries, so peers do not retry in lockstep.</summary>
    private TimeSpan Jitter() => _jitter.Next(_entropy, ProtocolTimings.RekeyTimeoutJitterMilliseconds);

    private void ThrowIfForeign(Peer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (!ReferenceEquals(peer.Device, this) || !_peers.ContainsKey(peer.PublicKey))
        {
            throw new ArgumentException("The peer does not belong to this device.", nameof(peer));
        }
    }

    private readonly record struct IndexEntry(Peer Peer, Keypair? Keypair);

    /// <summary>
    /// C and H after the construction, the identifier and the responder's static key: the same for every
    /// initiation to that responder, so computed once (ours for initiations we receive, each peer's for ours).
    /// </summary>
    private static Noise.Internal.SymmetricState InitialStateFor(in PublicKey responder)
    {
        Noise.Internal.SymmetricState state = default;
        Noise.Internal.IKpsk2.Initialize(ref state, Construction, Identifier, responder.AsSpan());
        return state;
    }
}
