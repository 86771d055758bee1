using Tunnel.Configuration;
using Tunnel.Core.Crypto;
using Tunnel.Internal;

namespace Tunnel;

/// <summary>The configuration a <see cref="TunnelHost"/> starts with; the UAPI changes it later.</summary>
public sealed record TunnelOptions
{
    /// <summary>
    /// The interface's private key. Without one the host starts keyless, as wireguard-go does: it answers
    /// and sends nothing until <see cref="TunnelHost.SetPrivateKey"/> or a UAPI <c>set</c> gives it one.
    /// </summary>
    public PrivateKey? PrivateKey { get => _privateKey; init => _privateKey = value; }

    private PrivateKey? _privateKey;

    /// <summary>The UDP port to listen on; 0 (the default) picks a free one.</summary>
    public ushort ListenPort { get; init; }

    /// <summary>The firewall mark for outgoing datagrams (Linux <c>SO_MARK</c>); 0 for none.</summary>
    public uint FirewallMark { get; init; }

    /// <summary>The tunnel MTU: the largest IP packet carried; 1420 fits a 1500-byte path over IPv6.</summary>
    public int Mtu { get; init; } = 1420;

    /// <summary>The peers.</summary>
    public IReadOnlyList<TunnelPeerOptions> Peers { get; init; } = [];

    /// <summary>
    /// Threads that help the two pumps seal and open their batches; each pump works through its own batch
    /// too, so 0 runs every cipher on the pump that owns the packet. The default is
    /// <see cref="DefaultCryptoHelperThreads"/>.
    /// </summary>
    public int CryptoHelperThreads { get; init; } = DefaultCryptoHelperThreads;

    /// <summary>
    /// Half the processors, less the pump: 0 on up to three processors, 1 on four, 3 on eight.
    /// </summary>
    /// <remarks>
    /// The traffic a tunnel carries costs about as much processor time outside the tunnel as inside it (the
    /// kernel's copies and TCP, the application that sends or receives). On two processors with both peers and
    /// iperf3 on the machine, one helper per daemon took a TCP stream from 2,300 to 1,930 Mbit/s: the helper
    /// only competed with the kernel and the application for the second processor, and added thread switches.
    /// Half the processors for the ciphers leaves the other half to them.
    /// </remarks>
    public static int DefaultCryptoHelperThreads => CryptoWorkers.DefaultHelperCount(Environment.ProcessorCount);

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

    /// <summary>
    /// Wipes the private key this object holds, in place (a <see cref="Core.Crypto.PrivateKey"/> is a value: every
    /// copy is wiped by its owner). A <see cref="TunnelHost"/> keeps its own copy and wipes it itself, so the
    /// options can be wiped as soon as the host is created.
    /// </summary>
    public void ClearPrivateKey() => Secrets.Clear(ref _privateKey);
}
