using Tunnel.Core.Cookies;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Protocol;

/// <summary>
/// One remote WireGuard peer of a <see cref="Device"/>: its keys, endpoint, sessions, timers and counters.
/// Created and configured through the device; read its state here.
/// </summary>
/// <remarks>Like its device, not thread-safe: read it from the thread that drives the device.</remarks>
public sealed partial class Peer
{
    internal Handshake Handshake;
    internal CookieGenerator Cookies;
    internal Bytes32 StaticStatic;
    internal bool StaticStaticValid;
    internal PresharedKey PresharedKeyValue;

    /// <summary>C and H after the construction, identifier and this peer's static key: where every initiation to it starts.</summary>
    internal Noise.Internal.SymmetricState InitialState;
    internal bool InitiationQueued;
    internal bool KeepaliveQueued;

    /// <summary>
    /// Set once the device has removed this peer, for good: a peer added again with the same key is a new
    /// object. Checked per packet instead of looking the key up (a dictionary probe hashing 32 bytes).
    /// </summary>
    internal bool IsRemoved;

    internal Peer(Device device, in PublicKey publicKey)
    {
        Device = device;
        PublicKey = publicKey;
        Cookies = new CookieGenerator(publicKey);
        ResetTimers();
    }

    /// <summary>The peer's static public key: its identity.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>The preshared key mixed into this peer's handshakes (all zeros when none).</summary>
    public PresharedKey PresharedKey => PresharedKeyValue;

    /// <summary>Where datagrams to the peer go: configured, or learned from its latest authenticated datagram.</summary>
    public UdpEndpoint Endpoint { get; internal set; }

    /// <summary>The persistent keepalive interval; <see cref="TimeSpan.Zero"/> when off.</summary>
    public TimeSpan PersistentKeepaliveInterval { get; internal set; }

    /// <summary>Bytes of WireGuard datagrams received from the peer, handshakes included (what <c>wg</c> shows as received).</summary>
    public long ReceivedBytes { get; internal set; }

    /// <summary>Bytes of WireGuard datagrams sent to the peer, handshakes included.</summary>
    public long TransmittedBytes { get; internal set; }

    /// <summary>The device time of the last completed handshake, or <see langword="null"/> before the first.</summary>
    public TimeSpan? LastHandshake { get; internal set; }

    /// <summary>Whether a session can carry data to the peer now.</summary>
    public bool HasSession => _current is not null;

    internal Device Device { get; }

    /// <inheritdoc/>
    public override string ToString() => $"peer {PublicKey.ToBase64String()[..8]}… at {Endpoint}";
}
