using System.Net;
using Tunnel.Core.Crypto;
using Tunnel.Uapi;

namespace Tunnel.Internal;

/// <summary>
/// Writes the typed changes of <see cref="TunnelHost"/> as the one change model the engine applies (the terms
/// of a UAPI set operation), after checking them the way a .NET API checks its arguments.
/// </summary>
internal static class ConfigurationRequests
{
    /// <summary>The most seconds a persistent keepalive interval can hold on the wire (a 16-bit field).</summary>
    private const int MaxKeepaliveSeconds = ushort.MaxValue;

    /// <summary>The whole configuration of <paramref name="options"/>, replacing every peer: the start.</summary>
    public static UapiSetRequest FromOptions(TunnelOptions options)
    {
        Validate(options, ownKey: null);
        return new UapiSetRequest
        {
            PrivateKey = options.PrivateKey,
            ReplacePeers = true,
            Peers = [.. options.Peers.Select(peer => ForPeer(peer))],
        };
    }

    /// <summary>
    /// The difference between the running configuration and <paramref name="options"/>: peers that are not in
    /// the options removed, every other peer updated in place (its sessions kept), port, mark and key set.
    /// </summary>
    /// <param name="options">The whole configuration wanted.</param>
    /// <param name="running">The public keys of the peers configured now.</param>
    /// <param name="ownKey">The interface's public key now, or the new one's when the options change it.</param>
    /// <param name="listenPort">The port listened on now: a 0 in the options keeps it, rather than moving to another random one.</param>
    public static UapiSetRequest Difference(TunnelOptions options, IEnumerable<PublicKey> running, PublicKey? ownKey, ushort listenPort)
    {
        Validate(options, ownKey);
        var wanted = options.Peers.Select(peer => peer.PublicKey).ToHashSet();
        return new UapiSetRequest
        {
            PrivateKey = options.PrivateKey,
            ListenPort = options.ListenPort == 0 ? listenPort : options.ListenPort,
            FwMark = options.FirewallMark,
            Peers =
            [
                .. running.Where(key => !wanted.Contains(key)).Select(key => new UapiPeerUpdate { PublicKey = key, Remove = true }),
                .. options.Peers.Select(peer => ForPeer(peer)),
            ],
        };
    }

    /// <summary>One peer's whole configuration: its allowed IPs replaced, no preshared key when none is given.</summary>
    public static UapiPeerUpdate ForPeer(TunnelPeerOptions peer) => new()
    {
        PublicKey = peer.PublicKey,
        PresharedKey = peer.PresharedKey ?? default(PresharedKey),
        Endpoint = peer.Endpoint,
        PersistentKeepaliveInterval = (ushort)peer.PersistentKeepalive.TotalSeconds,
        ReplaceAllowedIps = true,
        AllowedIps = [.. peer.AllowedIps.Select(prefix => new UapiAllowedIpChange(prefix, Remove: false))],
    };

    /// <summary>Checks the options as a whole: every peer valid, no key twice, no prefix for two peers, no peer with our own key.</summary>
    /// <exception cref="ArgumentException">What is wrong, naming the peer or prefix.</exception>
    public static void Validate(TunnelOptions options, PublicKey? ownKey)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.PrivateKey is { IsEmpty: true })
        {
            throw new ArgumentException("The private key is all zeros.", nameof(options));
        }

        if (options.PrivateKey is { } privateKey)
        {
            ownKey = privateKey.GetPublicKey();
        }

        var keys = new HashSet<PublicKey>();
        var holders = new Dictionary<IPNetwork, PublicKey>();
        foreach (var peer in options.Peers)
        {
            ArgumentNullException.ThrowIfNull(peer, nameof(options));
            Validate(peer, ownKey);
            if (!keys.Add(peer.PublicKey))
            {
                throw new ArgumentException($"Peer {peer.PublicKey} is listed twice.", nameof(options));
            }

            foreach (var prefix in peer.AllowedIps)
            {
                if (holders.TryGetValue(prefix, out var other) && other != peer.PublicKey)
                {
                    throw new ArgumentException($"The allowed IP {prefix} is given to both peer {other} and peer {peer.PublicKey}.", nameof(options));
                }

                holders[prefix] = peer.PublicKey;
            }
        }
    }

    /// <summary>Checks one peer on its own.</summary>
    /// <exception cref="ArgumentException">What is wrong.</exception>
    public static void Validate(TunnelPeerOptions peer, PublicKey? ownKey)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (ownKey is { } own && peer.PublicKey == own)
        {
            throw new ArgumentException($"Peer {peer.PublicKey} has the interface's own public key.", nameof(peer));
        }

        if (peer.PersistentKeepalive < TimeSpan.Zero || peer.PersistentKeepalive > TimeSpan.FromSeconds(MaxKeepaliveSeconds)
            || peer.PersistentKeepalive.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(peer), peer.PersistentKeepalive, $"The persistent keepalive of peer {peer.PublicKey} must be whole seconds from 0 (off) to {MaxKeepaliveSeconds}.");
        }

        if (peer.Endpoint is { } endpoint && (endpoint.Port == 0 || endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any)))
        {
            throw new ArgumentException($"The endpoint {endpoint} of peer {peer.PublicKey} is not an address and port a datagram can be sent to.", nameof(peer));
        }

        ArgumentNullException.ThrowIfNull(peer.AllowedIps, nameof(peer));
    }
}
