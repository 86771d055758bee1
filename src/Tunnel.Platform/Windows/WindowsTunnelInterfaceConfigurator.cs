using System.Runtime.Versioning;
using Tunnel.Connections;
using Tunnel.Platform.Internal;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform.Windows;

/// <summary>
/// The Windows <see cref="ITunnelInterfaceConfigurator"/>: the addresses (<c>CreateUnicastIpAddressEntry</c>), a fixed low
/// interface metric (so the tunnel's routes and DNS servers are preferred), a route on-link through the adapter for
/// each allowed network (<c>CreateIpForwardEntry2</c>), and for a full tunnel the two halves of the address space after
/// a host route for each peer endpoint through the route Windows had for it (<c>GetBestRoute2</c>). Disposing removes
/// what was added, in reverse.
/// </summary>
/// <remarks>
/// Windows has one routing table, so <see cref="FindUnusedTable"/> returns its argument. The routes through the adapter
/// go with it; the endpoints' routes are removed on dispose, and after a crash by the next configurator given the same
/// route state directory. <see cref="TunnelInterfaceSettings.FailClosed"/> is not enforced by routes here: when the process dies,
/// traffic follows the system's own routes again (Windows Filtering Platform rules would be needed to refuse it).
/// </remarks>
[SupportedOSPlatform("windows")]
public sealed class WindowsTunnelInterfaceConfigurator : ITunnelInterfaceConfigurator
{
    /// <summary>The interface metric the tunnel gets: lower than the physical interfaces' automatic ones.</summary>
    public const uint InterfaceMetric = 5;

    private readonly SingleTableConfigurator<WindowsRoute> _configurator;

    /// <summary>Finds the interface by name.</summary>
    /// <param name="interfaceName">The adapter's name, which must exist.</param>
    /// <param name="routeStateDirectory">
    /// Where to record the endpoints' routes (outside the adapter, so they outlive it) before they exist; what a
    /// process that died recorded there for an adapter that is gone, or for this one, is removed first. Null records nothing.
    /// </param>
    /// <exception cref="IOException">There is no such interface.</exception>
    public WindowsTunnelInterfaceConfigurator(string interfaceName, string? routeStateDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        InterfaceName = interfaceName;
        ulong luid = WindowsNetwork.LuidOf(interfaceName);
        RouteJournal<WindowsRoute>? journal = null;
        if (routeStateDirectory is not null)
        {
            _ = RouteJournal<WindowsRoute>.RemoveStale(routeStateDirectory, WindowsRouteCodec.Instance, WindowsNetwork.Exists, WindowsNetwork.Instance.DeleteRoute, current: interfaceName);
            journal = new RouteJournal<WindowsRoute>(RouteJournal<WindowsRoute>.PathFor(routeStateDirectory, interfaceName, "connection"), WindowsRouteCodec.Instance);
        }

        _configurator = new SingleTableConfigurator<WindowsRoute>(
            new SingleTablePlan<WindowsRoute>(new WindowsInterfaceRoutes(WindowsNetwork.Instance, interfaceName, luid), journal),
            beforeApply: () => WindowsInterfaceControl.SetMetric(luid, InterfaceMetric));
    }

    /// <summary>The interface configured.</summary>
    public string InterfaceName { get; }

    /// <inheritdoc/>
    public uint FindUnusedTable(uint first) => first;

    /// <inheritdoc/>
    public ValueTask ApplyAsync(TunnelInterfaceSettings settings, CancellationToken cancellationToken) => _configurator.ApplyAsync(this, settings, cancellationToken);

    /// <summary>Removes the routes and addresses added, in reverse order; failures (the adapter already gone) do not stop the rest.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync() => _configurator.DisposeAsync();
}
