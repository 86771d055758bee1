using System.Net;
using Tunnel.Core.Crypto;

namespace Tunnel.Uapi;

/// <summary>What a <c>get=1</c> operation reports about one peer.</summary>
public sealed record UapiPeerState
{
    /// <summary>The peer's public key.</summary>
    public required PublicKey PublicKey { get; init; }

    /// <summary>The preshared key (all zeros when none; wireguard-go prints it either way).</summary>
    public PresharedKey PresharedKey { get; init; }

    /// <summary>The endpoint, when one is known.</summary>
    public IPEndPoint? Endpoint { get; init; }

    /// <summary>The wall-clock time of the last handshake, or <see langword="null"/> for never (printed as 0).</summary>
    public DateTimeOffset? LastHandshake { get; init; }

    /// <summary>Bytes of WireGuard datagrams sent to the peer, handshakes included.</summary>
    public long TransmittedBytes { get; init; }

    /// <summary>Bytes of WireGuard datagrams received from the peer, handshakes included.</summary>
    public long ReceivedBytes { get; init; }

    /// <summary>The persistent keepalive interval in seconds (0: off).</summary>
    public ushort PersistentKeepaliveInterval { get; init; }

    /// <summary>The peer's allowed IPs.</summary>
    public IReadOnlyList<IPNetwork> AllowedIps { get; init; } = [];
}
