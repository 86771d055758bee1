using System.Net;
using Tunnel.Core.Crypto;

namespace Tunnel;

/// <summary>One peer in a <see cref="TunnelStatus"/> or <see cref="TunnelHost.GetPeers"/>: no key but its public one.</summary>
public sealed record TunnelPeerStatus
{
    /// <summary>The peer's public key.</summary>
    public required PublicKey PublicKey { get; init; }

    /// <summary>The endpoint, when one is known.</summary>
    public IPEndPoint? Endpoint { get; init; }

    /// <summary>The wall-clock time of the last handshake, or <see langword="null"/> for never.</summary>
    public DateTimeOffset? LastHandshake { get; init; }

    /// <summary>Bytes of WireGuard datagrams sent to the peer, handshakes included.</summary>
    public long TransmittedBytes { get; init; }

    /// <summary>Bytes of WireGuard datagrams received from the peer, handshakes included.</summary>
    public long ReceivedBytes { get; init; }

    /// <summary>The peer's allowed IPs: the inner sources accepted from it and the destinations routed to it.</summary>
    public IReadOnlyList<IPNetwork> AllowedIps { get; init; } = [];

    /// <summary>The persistent keepalive interval; zero when off.</summary>
    public TimeSpan PersistentKeepalive { get; init; }
}
