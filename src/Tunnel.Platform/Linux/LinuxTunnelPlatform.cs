using System.Runtime.Versioning;
using Tunnel.Connections;

namespace Tunnel.Platform.Linux;

/// <summary>
/// The Linux adapters for a <see cref="TunnelConnection"/>: a <see cref="LinuxTunDevice"/>, the batched
/// <see cref="LinuxUdpDatagramSocketFactory"/>, a <see cref="LinuxTunnelInterfaceConfigurator"/>, and
/// systemd-resolved (per link) where it runs, else <c>/etc/resolv.conf</c>.
/// </summary>
/// <remarks>
/// The device, the UDP socket and the netlink sockets are opened in <see cref="NetworkNamespace"/> when it is
/// set, else in the network namespace of the calling thread. Needs CAP_NET_ADMIN (and CAP_SYS_ADMIN to enter
/// a namespace), and root for the resolver.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class LinuxTunnelPlatform : ITunnelPlatform
{
    /// <summary>The platform with every default.</summary>
    public static LinuxTunnelPlatform Default { get; } = new();

    private readonly IDatagramSocketFactory _sockets = LinuxUdpDatagramSocketFactory.Instance;

    /// <summary>The UDP sockets, bound in <see cref="NetworkNamespace"/> when it is set; <see cref="LinuxUdpDatagramSocketFactory.Instance"/> by default.</summary>
    public IDatagramSocketFactory DatagramSockets
    {
        get => NetworkNamespace is { } name ? new NamespacedSocketFactory(_sockets, name) : _sockets;
        init => _sockets = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// A named network namespace (<c>ip netns add NAME</c>, bound under <c>/var/run/netns</c>) in which the
    /// interface, its socket, addresses and routes are made, as <c>ip netns exec NAME wg-quick up</c> would;
    /// null (the default) for the calling thread's namespace.
    /// </summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>The options of each TUN device, but for its MTU (the connection's); offloads on by default.</summary>
    public LinuxTunDeviceOptions TunDevice { get; init; } = new();

    /// <summary>The protocol number on every route and rule, which tells ours from others' (see <see cref="LinuxRouteTableOptions.Protocol"/>).</summary>
    public byte RouteProtocol { get; init; } = LinuxRouteTableOptions.DefaultProtocol;

    /// <summary>The priority of a full tunnel's first policy rule (see <see cref="LinuxRouteTableOptions.RulePriority"/>).</summary>
    public uint RulePriority { get; init; } = LinuxRouteTableOptions.DefaultRulePriority;

    /// <summary>
    /// Whether DNS goes through systemd-resolved (on the tunnel's link only) rather than <c>/etc/resolv.conf</c>;
    /// null (the default) asks <see cref="SystemdResolvedConfigurator.IsAvailable"/>.
    /// </summary>
    public bool? UseSystemdResolved { get; init; }

    /// <summary>
    /// The resolver file and where its original is kept, for <c>/etc/resolv.conf</c>; the state file's name gets
    /// the interface's name, so two connections never share one. Default: <see cref="LinuxResolvConfOptions"/>'s.
    /// </summary>
    public LinuxResolvConfOptions ResolvConf { get; init; } = new();

    /// <inheritdoc/>
    public ITunDevice CreateTunDevice(string interfaceName, int mtu) =>
        InNamespace(NetworkNamespace, () => LinuxTunDevice.Create(interfaceName, TunDevice with { Mtu = mtu }));

    /// <inheritdoc/>
    public ITunnelInterfaceConfigurator CreateInterfaceConfigurator(string interfaceName) =>
        new LinuxTunnelInterfaceConfigurator(interfaceName, RouteProtocol, RulePriority, NetworkNamespace);

    /// <inheritdoc/>
    public ISystemResolverConfigurator CreateResolverConfigurator(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        if (UseSystemdResolved ?? SystemdResolvedConfigurator.IsAvailable())
        {
            return new SystemdResolvedConfigurator(new SystemdResolvedOptions
            {
                InterfaceName = interfaceName,
                StatePath = PerInterface(new SystemdResolvedOptions { InterfaceName = interfaceName }.StatePath, interfaceName),
            });
        }

        return new LinuxResolvConfConfigurator(ResolvConf with { StatePath = PerInterface(ResolvConf.StatePath, interfaceName) });
    }

    /// <summary>
    /// Opens a <see cref="LinuxRouteTable"/> in <see cref="NetworkNamespace"/> (else the calling thread's), for
    /// routes a connection's routing keeps in a table of its own.
    /// </summary>
    /// <param name="options">The table, its interface, mark, rule priority and protocol.</param>
    /// <returns>The table, with nothing installed.</returns>
    /// <exception cref="LinuxNetlinkException">The interface does not exist, or the socket cannot be opened.</exception>
    public LinuxRouteTable CreateRouteTable(LinuxRouteTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return InNamespace(NetworkNamespace, () => LinuxRouteTable.Create(options));
    }

    /// <summary><c>/var/lib/tunnel/resolv.conf.saved</c> for <c>wg0</c> is <c>/var/lib/tunnel/wg0.resolv.conf.saved</c>.</summary>
    private static string PerInterface(string path, string interfaceName) =>
        Path.Combine(Path.GetDirectoryName(path) ?? string.Empty, $"{interfaceName}.{Path.GetFileName(path)}");

    private static T InNamespace<T>(string? name, Func<T> open) => name is null ? open() : Internal.NetworkNamespace.Run(name, open);

    /// <summary>Binds each socket inside the namespace; the socket stays there whichever thread uses it.</summary>
    private sealed class NamespacedSocketFactory(IDatagramSocketFactory inner, string name) : IDatagramSocketFactory
    {
        public IDatagramSocket Bind(ushort port, uint firewallMark) => Internal.NetworkNamespace.Run(name, () => inner.Bind(port, firewallMark));
    }
}
