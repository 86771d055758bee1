using Tunnel.Configuration;
using Tunnel.Core.Crypto;

namespace Tunnel;

/// <summary>The configuration a <see cref="TunnelHost"/> starts with; the UAPI changes it later.</summary>
public sealed record TunnelOptions
{
    /// <summary>
    /// The interface's private key. Without one the host starts with a random key that it does not report
    /// (as wireguard-go starts keyless) until one is set over the UAPI.
    /// </summary>
    public PrivateKey? PrivateKey { get; init; }

    /// <summary>The UDP port to listen on; 0 (the default) picks a free one.</summary>
    public ushort ListenPort { get; init; }

    /// <summary>The firewall mark for outgoing datagrams (Linux <c>SO_MARK</c>); 0 for none.</summary>
    public uint FirewallMark { get; init; }

    /// <summary>The tunnel MTU: the largest IP packet carried; 1420 fits a 1500-byte path over IPv6.</summary>
    public int Mtu { get; init; } = 1420;

    /// <summary>The peers.</summary>
    public IReadOnlyList<TunnelPeerOptions> Peers { get; init; } = [];

    /// <summary>
    /// Takes the WireGuard part of a wg-quick configuration: keys, port, mark, MTU and peers. Peer endpoints
    /// must be IP addresses here; resolve host names first (<see cref="TunnelPeerOptions.FromConfigurationAsync"/>).
    /// </summary>
    /// <param name="configuration">The parsed configuration.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">A peer endpoint is a host name.</exception>
    public static TunnelOptions FromConfiguration(WireGuardConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var face = configuration.Interface;
        return new TunnelOptions
        {
            PrivateKey = face.PrivateKey,
            ListenPort = face.ListenPort ?? 0,
            FirewallMark = face.FwMark ?? 0,
            Mtu = face.Mtu ?? 1420,
            Peers = configuration.Peers.Select(TunnelPeerOptions.FromConfiguration).ToList(),
        };
    }
}
