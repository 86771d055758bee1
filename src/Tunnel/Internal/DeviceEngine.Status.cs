namespace Tunnel.Internal;

/// <summary>The keyless status read: unlike <see cref="GetState"/>, it never touches the private or preshared keys.</summary>
internal sealed partial class DeviceEngine
{
    public TunnelStatus GetStatus()
    {
        lock (_gate)
        {
            var allowed = _device.AllowedIps.GetEntries().ToLookup(entry => entry.Value, entry => entry.Key);
            var peers = _device.Peers.Select(peer => new TunnelPeerStatus
            {
                PublicKey = peer.PublicKey,
                Endpoint = peer.Endpoint.IsEmpty ? null : peer.Endpoint.ToIPEndPoint(),
                LastHandshake = peer.LastHandshake is { } at ? WallClockAtZero + at : null,
                TransmittedBytes = peer.TransmittedBytes,
                ReceivedBytes = peer.ReceivedBytes,
                AllowedIps = [.. allowed[peer]],
                PersistentKeepalive = peer.PersistentKeepaliveInterval,
            }).ToList();
            return new TunnelStatus { PublicKey = _device.HasPrivateKey ? _device.PublicKey : null, ListenPort = ListenPort, FirewallMark = _firewallMark, Peers = peers };
        }
    }
}
