using Tunnel.Uapi;

namespace Tunnel.Internal;

/// <summary>Expresses start-up options as the UAPI set request that would configure the same, so both take one path.</summary>
internal static class ConfigurationRequests
{
    public static UapiSetRequest FromOptions(TunnelOptions options) => new()
    {
        PrivateKey = options.PrivateKey,
        ReplacePeers = true,
        Peers = options.Peers.Select(peer => new UapiPeerUpdate
        {
            PublicKey = peer.PublicKey,
            PresharedKey = peer.PresharedKey,
            Endpoint = peer.Endpoint,
            PersistentKeepaliveInterval = checked((ushort)peer.PersistentKeepalive.TotalSeconds),
            ReplaceAllowedIps = true,
            AllowedIps = peer.AllowedIps.Select(prefix => new UapiAllowedIpChange(prefix, Remove: false)).ToList(),
        }).ToList(),
    };
}
