using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tunnel.Configuration;
using Tunnel.Connections;
using Tunnel.Connections.Internal;

namespace Tunnel;

/// <summary>
/// <c>wg-quick up</c> as a library call: a WireGuard interface brought up from a <see cref="WireGuardConfiguration"/>
/// (the TUN device, the device and its peers, the addresses, the routes for the allowed IPs, and the DNS
/// servers), and taken down again, in reverse order, by <see cref="DisposeAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// Routing follows wg-quick: with <c>Table = auto</c> (the default) each allowed IP becomes a route in the
/// main table, except a default route (<c>0.0.0.0/0</c>, <c>::/0</c>), which goes to a table of its own whose
/// number is also the socket's firewall mark (the configuration's <c>FwMark</c>, else the first empty table
/// from 51820), with the rules <c>not fwmark M lookup M</c> and <c>lookup main suppress_prefixlength 0</c>,
/// so the tunnel's own datagrams and the local networks still leave directly. <c>Table = off</c> adds no
/// routes, and <c>Table = N</c> (or <c>main</c>) puts them all in that table without rules. A route that
/// already exists is never replaced: opening fails instead, as <c>ip route add</c> would.
/// </para>
/// <para>
/// Everything is done through <see cref="TunnelConnectionOptions.Platform"/>'s ports, and opening is all or
/// nothing: when a step fails (a port in use, a route that exists, the resolver refused) what was done is
/// undone before the exception leaves. <c>PreUp</c>, <c>PostUp</c>, <c>PreDown</c> and <c>PostDown</c> commands
/// are not run (a library does not run shell commands on a file's say-so), and <c>SaveConfig</c> is ignored.
/// </para>
/// <para>
/// With <see cref="TunnelConnectionOptions.Routing"/>, an <see cref="ITunnelRouting"/> (a split-tunnel router,
/// for example) steers traffic into the interface instead of the allowed IPs' routes: it is attached to the TUN
/// device before the WireGuard device takes it, started as the last step of opening, and stopped first when closing.
/// </para>
/// </remarks>
public sealed partial class TunnelConnection : IAsyncDisposable
{
    private readonly ITunnelInterfaceConfigurator _interface;
    private readonly ISystemResolverConfigurator? _resolver;
    private readonly ITunnelRouting? _routing;
    private readonly ILogger _log;
    private int _disposed;

    private TunnelConnection(TunnelHost host, string interfaceName, TunnelInterfaceSettings settings, uint firewallMark, ITunnelInterfaceConfigurator configurator, ISystemResolverConfigurator? resolver, ITunnelRouting? routing, ILogger log)
    {
        Host = host;
        InterfaceName = interfaceName;
        Settings = settings;
        FirewallMark = firewallMark;
        _interface = configurator;
        _resolver = resolver;
        _routing = routing;
        _log = log;
    }

    /// <summary>The WireGuard device, with its live API (<see cref="TunnelHost.SetPeer"/>, <see cref="TunnelHost.GetPeers"/>, ...).</summary>
    public TunnelHost Host { get; }

    /// <summary>The interface's name as the system made it: the one asked for, or on macOS the <c>utunN</c> the kernel chose.</summary>
    public string InterfaceName { get; }

    /// <summary>The addresses, routes and policy rules the connection applied (with a <see cref="TunnelConnectionOptions.Routing"/>, its addresses only: the routing keeps its own routes).</summary>
    public TunnelInterfaceSettings Settings { get; }

    /// <summary>The firewall mark on the tunnel's own datagrams (the configuration's, the full tunnel's table, or the routing's), 0 for none.</summary>
    public uint FirewallMark { get; }

    /// <summary>Whether the system resolver was pointed at the configuration's DNS servers.</summary>
    public bool ResolverConfigured => _resolver is not null;

    /// <summary>Brings <paramref name="configuration"/> up.</summary>
    /// <param name="configuration">The <c>.conf</c>, with its private key (see <see cref="WireGuardConfiguration.Parse"/>).</param>
    /// <param name="options">The interface's name, the platform's adapters, and what else to configure.</param>
    /// <param name="cancellationToken">Cancels the opening; what was done is undone.</param>
    /// <returns>The open connection; dispose it to take the interface down.</returns>
    /// <exception cref="ArgumentException">The configuration cannot be brought up (no private key, an invalid peer, a <c>Table</c> name that is not a number).</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The listen port is in use, or a peer's host name does not resolve.</exception>
    /// <exception cref="IOException">The system refused a step: a route the configuration needs already exists, the interface name is taken, or the resolver could not be configured.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform has no adapter for this OS.</exception>
    public static async Task<TunnelConnection> OpenAsync(WireGuardConfiguration configuration, TunnelConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.InterfaceName, nameof(options));
        ArgumentNullException.ThrowIfNull(options.Platform, nameof(options));
        if (configuration.Interface.PrivateKey is null)
        {
            throw new ArgumentException("The configuration has no PrivateKey: a connection needs one to answer its peers.", nameof(configuration));
        }

        ILogger log = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<TunnelConnection>();
        if (configuration.Interface.PreUp.Count + configuration.Interface.PostUp.Count + configuration.Interface.PreDown.Count + configuration.Interface.PostDown.Count > 0)
        {
            Log.HooksIgnored(log, options.InterfaceName);
        }

        // Host names are resolved before anything exists, so a name that does not resolve leaves nothing behind.
        var peers = new List<TunnelPeerOptions>(configuration.Peers.Count);
        foreach (PeerConfiguration peer in configuration.Peers)
        {
            peers.Add(await TunnelPeerOptions.FromConfigurationAsync(peer, cancellationToken).ConfigureAwait(false));
        }

        TunnelOptions parsed = TunnelOptions.FromConfiguration(configuration with { Peers = [] });
        TunnelOptions tunnel = parsed with { Peers = peers };
        parsed.ClearPrivateKey(); // each copy of the key is wiped by its owner; this one is ours

        ITunnelPlatform platform = options.Platform;
        ITunnelRouting? routing = options.Routing;
        ITunnelRouting? attached = null; // stopped only once attached: a routing that refused (it serves another connection) is not ours
        TunnelHost? host = null;
        ITunnelInterfaceConfigurator? configurator = null;
        ISystemResolverConfigurator? resolver = null;
        try
        {
            ITunDevice tun = platform.CreateTunDevice(options.InterfaceName, tunnel.Mtu);
            string name = tun.Name; // an OS that names interfaces itself (macOS's utunN) may not give the one asked for
            try
            {
                if (routing is not null)
                {
                    var context = new TunnelRoutingContext(name, configuration, platform, options.LoggerFactory ?? NullLoggerFactory.Instance, options.TimeProvider ?? TimeProvider.System);
                    tun = routing.Attach(tun, context);
                    attached = routing;
                }

                host = new TunnelHost(tunnel, tun, platform.DatagramSockets, options.LoggerFactory, options.TimeProvider, options.MeterFactory);
            }
            catch
            {
                tun.Dispose(); // until the host exists, the device is ours to close
                throw;
            }
            finally
            {
                tunnel.ClearPrivateKey(); // the device holds its own copy; the caller's configuration is the caller's
            }

            host.Start();
            configurator = platform.CreateInterfaceConfigurator(name);
            // A routing of its own replaces the allowed IPs' routes. (No copy of the configuration is made for it:
            // a copy would hold another copy of the private key that nothing wipes.)
            uint fullTunnelMark = 0;
            TunnelInterfaceSettings settings = routing is null
                ? TunnelInterfacePlan.Create(configuration, configurator.FindUnusedTable, options.FailClosed, out fullTunnelMark)
                : TunnelInterfacePlan.AddressesOnly(configuration, options.FailClosed);
            settings = settings with { PeerEndpoints = [.. peers.Select(peer => peer.Endpoint?.Address).OfType<IPAddress>().Distinct()] };

            // The mark goes on the socket before the rules exist, so no handshake is ever routed into the tunnel itself.
            uint mark = tunnel.FirewallMark;
            if (fullTunnelMark != 0 && fullTunnelMark != mark)
            {
                host.SetFirewallMark(fullTunnelMark);
                mark = fullTunnelMark;
            }

            await configurator.ApplyAsync(settings, cancellationToken).ConfigureAwait(false);
            if (options.ConfigureDns && routing is not { ConfiguresResolver: true } && configuration.Interface.DnsServers.Count > 0)
            {
                var candidate = platform.CreateResolverConfigurator(name);
                resolver = candidate;
                await candidate.ApplyAsync(new SystemResolverSettings(configuration.Interface.DnsServers, configuration.Interface.DnsSearchDomains), cancellationToken).ConfigureAwait(false);
            }

            // Last, so that a routing which started has an opened connection: nothing after it can fail.
            if (routing is not null)
            {
                await routing.StartAsync(host, cancellationToken).ConfigureAwait(false);
                mark = host.GetStatus().FirewallMark;
            }

            Log.Opened(log, name, settings.Addresses.Count, settings.Routes.Count, settings.PolicyRules.Count, resolver is not null);
            return new TunnelConnection(host, name, settings, mark, configurator, resolver, routing, log);
        }
        catch
        {
            tunnel.ClearPrivateKey();
            await CloseAsync(resolver, attached, opened: false, configurator, host, log).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Takes the interface down in the reverse order: the resolver restored, the policy rules, routes and
    /// addresses removed, then the device closed. Best effort: a step that fails (the interface deleted
    /// under us) is logged and the rest still run. Doing so twice is not an error.
    /// </summary>
    /// <returns>A task that completes when everything is undone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await CloseAsync(_resolver, _routing, opened: true, _interface, Host, _log).ConfigureAwait(false);
            Log.Closed(_log, InterfaceName);
        }
    }

    private static async Task CloseAsync(ISystemResolverConfigurator? resolver, ITunnelRouting? routing, bool opened, ITunnelInterfaceConfigurator? configurator, TunnelHost? host, ILogger log)
    {
        if (resolver is not null)
        {
            await AttemptAsync(() => resolver.RestoreAsync(CancellationToken.None), log).ConfigureAwait(false);
        }

        if (routing is not null)
        {
            await AttemptAsync(() => routing.StopAsync(opened), log).ConfigureAwait(false);
        }

        if (configurator is not null)
        {
            await AttemptAsync(configurator.DisposeAsync, log).ConfigureAwait(false);
        }

        if (host is not null)
        {
            await AttemptAsync(host.DisposeAsync, log).ConfigureAwait(false);
        }
    }

    private static async Task AttemptAsync(Func<ValueTask> step, ILogger log)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or UnauthorizedAccessException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            Log.CloseStepFailed(log, exception);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Interface} is up: {Addresses} addresses, {Routes} routes, {Rules} policy rules, resolver configured: {Resolver}")]
        public static partial void Opened(ILogger logger, string @interface, int addresses, int routes, int rules, bool resolver);

        [LoggerMessage(2, LogLevel.Information, "{Interface} is down")]
        public static partial void Closed(ILogger logger, string @interface);

        [LoggerMessage(3, LogLevel.Warning, "A step of taking the connection down failed")]
        public static partial void CloseStepFailed(ILogger logger, Exception exception);

        [LoggerMessage(4, LogLevel.Warning, "{Interface}: the configuration's PreUp/PostUp/PreDown/PostDown commands are not run by a connection")]
        public static partial void HooksIgnored(ILogger logger, string @interface);
    }
}
