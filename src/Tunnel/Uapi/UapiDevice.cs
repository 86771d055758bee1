using Tunnel.Core;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;

namespace Tunnel.Uapi;

/// <summary>
/// Connects the UAPI text protocol to a <see cref="Device"/>: applies a validated set request to its keys
/// and peers, and reads the state a get request reports. The listen port and firewall mark belong to the
/// socket that carries the device's datagrams, so the caller applies and reports those.
/// </summary>
public static class UapiDevice
{
    /// <summary>
    /// Applies the key and peer parts of <paramref name="request"/> to <paramref name="device"/>, with
    /// wireguard-go's semantics: <c>replace_peers</c> first, a section for the device's own key ignored,
    /// <c>update_only</c> never creates, <c>remove</c> removes, allowed-IP changes published as one new table,
    /// turning a persistent keepalive on sends one at once.
    /// </summary>
    /// <param name="device">The device.</param>
    /// <param name="request">A request from <see cref="UapiProtocol.TryParseSet"/>.</param>
    /// <param name="now">The current device time.</param>
    /// <param name="errno">0, or the negative errno to answer with.</param>
    /// <param name="error">What is wrong, when the method returns <see langword="false"/>.</param>
    /// <returns>Whether the request was applied (an all-zero private key removes the key, as in wireguard-go).</returns>
    public static bool TryApply(Device device, UapiSetRequest request, TimeSpan now, out int errno, out string? error)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(request);
        if (request.PrivateKey is { } privateKey)
        {
            device.SetPrivateKey(privateKey);
        }

        if (request.ReplacePeers)
        {
            foreach (var peer in device.Peers.ToList())
            {
                device.RemovePeer(peer.PublicKey);
            }
        }

        foreach (var update in request.Peers)
        {
            ApplyPeer(device, update, now);
        }

        errno = UapiErrno.None;
        error = null;
        return true;
    }

    /// <summary>Reads what a get request reports about <paramref name="device"/>.</summary>
    /// <param name="device">The device.</param>
    /// <param name="privateKey">The device's private key, which the device does not hand out.</param>
    /// <param name="listenPort">The port its socket listens on.</param>
    /// <param name="fwMark">Its socket's firewall mark (0: none).</param>
    /// <param name="wallClockAtZero">The wall-clock time at device time zero, to report handshake times in.</param>
    /// <returns>The state, peers in the device's order, allowed IPs grouped per peer.</returns>
    public static UapiDeviceState ReadState(Device device, in PrivateKey privateKey, ushort listenPort, uint fwMark, DateTimeOffset wallClockAtZero)
    {
        ArgumentNullException.ThrowIfNull(device);
        var allowed = device.AllowedIps.GetEntries().ToLookup(entry => entry.Value, entry => entry.Key);
        var peers = device.Peers.Select(peer => new UapiPeerState
        {
            PublicKey = peer.PublicKey,
            PresharedKey = peer.PresharedKey,
            Endpoint = peer.Endpoint.IsEmpty ? null : peer.Endpoint.ToIPEndPoint(),
            LastHandshake = peer.LastHandshake is { } at ? wallClockAtZero + at : null,
            TransmittedBytes = peer.TransmittedBytes,
            ReceivedBytes = peer.ReceivedBytes,
            PersistentKeepaliveInterval = (ushort)peer.PersistentKeepaliveInterval.TotalSeconds,
            AllowedIps = allowed[peer].ToList(),
        }).ToList();

        return new UapiDeviceState { PrivateKey = privateKey, ListenPort = listenPort, FwMark = fwMark, Peers = peers };
    }

    private static void ApplyPeer(Device device, UapiPeerUpdate update, TimeSpan now)
    {
        if (update.PublicKey == device.PublicKey)
        {
            return; // wireguard-go ignores a section for the device's own key
        }

        bool exists = device.TryGetPeer(update.PublicKey, out var peer);
        if (update.Remove)
        {
            device.RemovePeer(update.PublicKey);
            return;
        }

        if (!exists && update.UpdateOnly)
        {
            return;
        }

        peer ??= device.AddPeer(update.PublicKey);
        if (update.PresharedKey is { } presharedKey)
        {
            device.SetPresharedKey(peer, presharedKey);
        }

        if (update.Endpoint is { } endpoint)
        {
            var remote = UdpEndpoint.FromIPEndPoint(endpoint);
            if (!peer.Endpoint.RemoteEquals(remote))
            {
                device.SetEndpoint(peer, remote); // the same remote keeps the local address it wrote to
            }
        }

        if (update.PersistentKeepaliveInterval is { } seconds)
        {
            device.SetPersistentKeepalive(peer, TimeSpan.FromSeconds(seconds), now);
        }

        if (update.ReplaceAllowedIps || update.AllowedIps.Count > 0)
        {
            device.UpdateAllowedIps(builder =>
            {
                if (update.ReplaceAllowedIps)
                {
                    builder.RemoveValue(peer);
                }

                foreach (var change in update.AllowedIps)
                {
                    if (!change.Remove)
                    {
                        builder.Set(change.Prefix, peer);
                    }
                    else if (builder.TryGetValue(change.Prefix, out var owner) && ReferenceEquals(owner, peer))
                    {
                        // Only the peer's own prefix is removed, never another peer's.
                        builder.Remove(change.Prefix);
                    }
                }
            });
        }
    }
}
