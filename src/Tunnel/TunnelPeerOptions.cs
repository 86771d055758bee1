using System.Net;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;

namespace Tunnel;

/// <summary>One peer of a <see cref="TunnelOptions"/>.</summary>
public sealed record TunnelPeerOptions
{
    /// <summary>The peer's static public key.</summary>
    public required PublicKey PublicKey { get; init; }

    /// <summary>The preshared key mixed into every handshake, if any.</summary>
    public PresharedKey? PresharedKey { get; init; }

    /// <summary>Where to send to first; the peer's authenticated packets move it (roaming).</summary>
    public IPEndPoint? Endpoint { get; init; }

    /// <summary>The inner source prefixes accepted from the peer, and the destinations routed to it.</summary>
    public IReadOnlyList<IPNetwork> AllowedIps { get; init; } = [];

    /// <summary>How often to send a keepalive through an idle tunnel; zero (the default) for never.</summary>
    public TimeSpan PersistentKeepalive { get; init; }

    /// <summary>Converts a wg-quick <c>[Peer]</c> whose endpoint, if any, is an IP address.</summary>
    /// <param name="peer">The peer section.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">The endpoint is a host name.</exception>
    public static TunnelPeerOptions FromConfiguration(PeerConfiguration peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        IPEndPoint? endpoint = null;
        if (peer.Endpoint is { } configured)
        {
            endpoint = configured.Address is { } address
                ? new IPEndPoint(address, configured.Port)
                : throw new ArgumentException($"The endpoint '{configured}' is a host name; resolve it with FromConfigurationAsync.", nameof(peer));
        }

        return Create(peer, endpoint);
    }

    /// <summary>Converts a wg-quick <c>[Peer]</c>, resolving a host-name endpoint as <c>wg</c> does (the first address).</summary>
    /// <param name="peer">The peer section.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The options.</returns>
    /// <exception cref="System.Net.Sockets.SocketException">The host name does not resolve.</exception>
    public static async Task<TunnelPeerOptions> FromConfigurationAsync(PeerConfiguration peer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        IPEndPoint? endpoint = null;
        if (peer.Endpoint is { } configured)
        {
            IPAddress address = configured.Address
                ?? (await System.Net.Dns.GetHostAddressesAsync(configured.Host, cancellationToken).ConfigureAwait(false)).First();
            endpoint = new IPEndPoint(address, configured.Port);
        }

        return Create(peer, endpoint);
    }

    private static TunnelPeerOptions Create(PeerConfiguration peer, IPEndPoint? endpoint) => new()
    {
        PublicKey = peer.PublicKey,
        PresharedKey = peer.PresharedKey,
        Endpoint = endpoint,
        AllowedIps = peer.AllowedIps,
        PersistentKeepalive = TimeSpan.FromSeconds(peer.PersistentKeepalive ?? 0),
    };
}
