using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Tunnel.Connections;
using Tunnel.Dns;
using Tunnel.Routing.Internal;

namespace Tunnel.Routing;

/// <summary>
/// A <see cref="TunnelConnection"/>'s routes by split-tunnel policy instead of by allowed IPs: a
/// <see cref="SplitTunnelController"/> over a table of its own (with the rules that send traffic to it and a
/// firewall mark on the tunnel's socket that skips them), the TUN device watched so learned routes in use
/// stay, and, when asked, a <see cref="DnsForwarder"/> that learns routes from answers with the system resolver
/// pointed at it. Give it as <see cref="TunnelConnectionOptions.Routing"/>; one instance per connection.
/// </summary>
/// <remarks>
/// <para>
/// Opening installs the policy's routes before the forwarder answers its first query and before the resolver
/// points at it; closing undoes it in reverse (resolver, forwarder, routes, rules), leaving nothing of ours.
/// </para>
/// <para>
/// When the engine dies, <see cref="FailClosed"/> turns the tunnel's routes into refusing ones that outlive the
/// connection, so traffic the policy sends to the tunnel is refused rather than sent direct; a new connection
/// opened with <see cref="SplitTunnelRoutingOptions.TakeOverBlockedRoutes"/> replaces them.
/// </para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The connection it serves closes what it owns through ITunnelRouting.StopAsync.")]
public sealed partial class SplitTunnelRouting : ITunnelRouting
{
    private readonly SplitTunnelRoutingOptions _options;
    private SplitTunnelPolicy _policy;
    private IFailClosedRouteApplier? _table;
    private HeldRouteApplier? _applier;
    private SplitTunnelController? _controller;
    private TunnelHost? _host;
    private ISystemResolverConfigurator? _resolver;
    private TunnelRoutingContext? _context;
    private ILogger _log = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private int _stopped;

    /// <summary>Creates the routing; nothing happens until a connection opens with it.</summary>
    /// <param name="options">The policy and what else to run.</param>
    public SplitTunnelRouting(SplitTunnelRoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Policy, nameof(options));
        _options = options;
        _policy = options.Policy;
        SystemRules = [];
    }

    /// <inheritdoc/>
    /// <remarks>True when a forwarder runs: the configuration's <c>DNS =</c> servers are then its upstreams, not the system's.</remarks>
    public bool ConfiguresResolver => _options.DnsForwarder is not null;

    /// <summary>The controller and its router (learned routes, <c>Explain</c>); null until the connection has its TUN device.</summary>
    public SplitTunnelController? Controller => _controller;

    /// <summary>The DNS forwarder; null when none was asked for or until the routing has started.</summary>
    public DnsForwarder? Forwarder { get; private set; }

    /// <summary>Whether the system resolver points at the forwarder.</summary>
    public bool ResolverConfigured => _resolver is not null;

    /// <summary>The system rules the routing adds ahead of the policy: each peer endpoint, direct.</summary>
    public IReadOnlyList<SplitTunnelRule> SystemRules { get; private set; }

    /// <summary>The policy in force (as given, without <see cref="SystemRules"/>).</summary>
    public SplitTunnelPolicy Policy => Volatile.Read(ref _policy);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The routing is attached to a connection already.</exception>
    /// <exception cref="PlatformNotSupportedException">No <see cref="SplitTunnelRoutingOptions.RouteApplier"/> was given and the OS has no default.</exception>
    public ITunDevice Attach(ITunDevice device, TunnelRoutingContext context)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        if (Interlocked.CompareExchange(ref _context, context, null) is not null)
        {
            throw new InvalidOperationException("The routing serves one connection; create another for the next.");
        }

        _log = context.LoggerFactory.CreateLogger<SplitTunnelRouting>();
        var table = CreateTable(context);
        try
        {
            _table = table;
            if (!_options.TakeOverBlockedRoutes)
            {
                RemoveStale();
            }
        }
        catch
        {
            _table = null;
            table.Dispose();
            throw;
        }

        _applier = new HeldRouteApplier(table, _options.RoutesApplied);
        _controller = new SplitTunnelController(new SplitTunnelRouter(_policy), _applier, context.TimeProvider, context.LoggerFactory.CreateLogger<SplitTunnelController>());
        return new ActivityReportingTunDevice(device, _controller);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><see cref="Attach"/> was not called.</exception>
    public async ValueTask StartAsync(TunnelHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (_controller is null || _table is null || _context is null)
        {
            throw new InvalidOperationException("The routing is not attached to a connection.");
        }

        _host = host;

        // The mark goes on the socket before the first rule exists, so no handshake is routed into the tunnel.
        if (_table.FirewallMark != 0)
        {
            host.SetFirewallMark(_table.FirewallMark);
        }

        _controller.Router.SetPolicy(Compose(_policy, host)); // applied whole by StartAsync
        await _controller.StartAsync(cancellationToken).ConfigureAwait(false);
        if (_options.TakeOverBlockedRoutes)
        {
            // The routes have replaced the dead connection's at the same prefixes and its rules are taken over:
            // what is left refuses prefixes this policy no longer routes, and goes now.
            RemoveStale();
        }

        if (_options.DnsForwarder is { } forwarderOptions)
        {
            Forwarder = new DnsForwarder(forwarderOptions, _controller, _context.LoggerFactory.CreateLogger<DnsForwarder>());
            await Forwarder.StartAsync(cancellationToken).ConfigureAwait(false);
            await PointResolverAsync(Forwarder.LocalEndPoint ?? forwarderOptions.ListenEndPoint, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Replaces the policy live and applies the difference (routes that stay are not touched). The peers'
    /// endpoints are read again, so a peer added since opening has its endpoint sent direct too.
    /// </summary>
    /// <param name="policy">The new mode and rules.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The change applied.</returns>
    /// <exception cref="InvalidOperationException">The routing has not started.</exception>
    public async ValueTask<RouteSetChange> SetPolicyAsync(SplitTunnelPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (_controller is null || _host is null)
        {
            throw new InvalidOperationException("The routing has not started.");
        }

        var change = await _controller.SetPolicyAsync(Compose(policy, _host), cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _policy, policy); // only once in force: a refused change leaves the old one reported
        return change;
    }

    /// <summary>The policy with the peers' endpoints first, direct, so no rule can send the encrypted traffic into the tunnel.</summary>
    private SplitTunnelPolicy Compose(SplitTunnelPolicy policy, TunnelHost host)
    {
        var gateways = new List<SplitTunnelRule>();
        foreach (IPAddress address in host.GetPeers().Select(peer => peer.Endpoint?.Address).OfType<IPAddress>().Select(Unmapped).Distinct())
        {
            gateways.Add(SplitTunnelRule.ForSystem(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128), RouteDecision.Direct, "the tunnel's gateway"));
        }

        SystemRules = gateways;
        if (gateways.Count == 0)
        {
            return policy;
        }

        // A system rule for the same prefix in the policy (a DNS server on the gateway's address) yields to the gateway's.
        var covered = gateways.Select(rule => rule.Prefix).ToHashSet();
        return new SplitTunnelPolicy(policy.Mode, [.. gateways, .. policy.Rules.Where(rule => !(rule.IsSystem && covered.Contains(rule.Prefix)))]);

        static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    private IFailClosedRouteApplier CreateTable(TunnelRoutingContext context)
    {
        if (_options.RouteApplier is { } factory)
        {
            return factory(context);
        }

        if (OperatingSystem.IsLinux())
        {
            return LinuxRouteApplier.Factory(new Platform.Linux.LinuxRouteTableOptions { InterfaceName = context.InterfaceName })(context);
        }

        if (OperatingSystem.IsMacOS() || OperatingSystem.IsWindows())
        {
            return InterfaceRouteApplier.Factory(Platform.InterfaceRouteTable.DefaultStateDirectory)(context);
        }

        throw new PlatformNotSupportedException($"Split tunnelling has no route table for {System.Runtime.InteropServices.RuntimeInformation.OSDescription} yet: give SplitTunnelRoutingOptions.RouteApplier.");
    }

    private void RemoveStale()
    {
        int stale = _table!.RemoveStale();
        if (stale > 0)
        {
            Log.StaleRemoved(_log, stale);
        }
    }

    private async Task PointResolverAsync(IPEndPoint listen, CancellationToken cancellationToken)
    {
        if (!_options.ConfigureSystemResolver)
        {
            return;
        }

        // A resolver file has no port: a forwarder elsewhere than 53 is for clients that ask it directly.
        if (listen.Port != 53)
        {
            Log.ResolverUntouched(_log, listen);
            return;
        }

        var resolver = _options.SystemResolver ?? _context!.Platform.CreateResolverConfigurator(_context.InterfaceName);
        _resolver = resolver;
        await resolver.ApplyAsync(new SystemResolverSettings([listen.Address], _context!.Configuration.Interface.DnsSearchDomains), cancellationToken).ConfigureAwait(false);
    }
}
