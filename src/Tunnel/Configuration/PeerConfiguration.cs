using System.Net;
using Tunnel.Core.Crypto;

namespace Tunnel.Configuration;

/// <summary>A <c>[Peer]</c> section of a wg-quick configuration file.</summary>
public sealed record PeerConfiguration
{
    /// <summary>The peer's public key.</summary>
    public required PublicKey PublicKey { get; init; }

    /// <summary>The preshared key shared with this peer, if any.</summary>
    public PresharedKey? PresharedKey { get; init; }

    /// <summary>The inner addresses the peer may use and that route to it, host bits cleared as <c>wg</c> does.</summary>
    public IReadOnlyList<IPNetwork> AllowedIps { get; init; } = [];

    /// <summary>Where to reach the peer, if known: an address or a name to resolve.</summary>
    public PeerEndpoint? Endpoint { get; init; }

    /// <summary>The persistent keepalive interval in seconds; unset or <c>off</c> means none.</summary>
    public ushort? PersistentKeepalive { get; init; }
}
