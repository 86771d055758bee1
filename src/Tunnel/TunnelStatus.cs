using Tunnel.Core.Crypto;

namespace Tunnel;

/// <summary>
/// What a status display needs from a <see cref="TunnelHost"/>, and nothing secret: public keys, endpoints,
/// handshake times, transfer, allowed IPs. Only the UAPI's <c>get</c> (<see cref="Uapi.UapiHandler.Get"/>)
/// reads the private and preshared keys; a status that is read every second has no reason to copy them.
/// </summary>
public sealed record TunnelStatus
{
    /// <summary>The interface's public key; <see langword="null"/> until a private key is configured.</summary>
    public PublicKey? PublicKey { get; init; }

    /// <summary>The UDP port the interface listens on (0 before start).</summary>
    public ushort ListenPort { get; init; }

    /// <summary>The firewall mark of outgoing datagrams; 0 for none.</summary>
    public uint FirewallMark { get; init; }

    /// <summary>The peers.</summary>
    public IReadOnlyList<TunnelPeerStatus> Peers { get; init; } = [];
}
