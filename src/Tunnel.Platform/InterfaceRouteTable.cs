using System.Net;
using System.Runtime.Versioning;
using Tunnel.Platform.Darwin.Internal;
using Tunnel.Platform.Internal;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform;

/// <summary>
/// The routes of one tunnel interface on an OS with a single routing table (macOS, Windows): what a split-tunnel
/// router programs there, where Linux has <c>LinuxRouteTable</c>'s table of its own. Each destination is routed
/// through the tunnel, around it (through the route the system had to the rest of the Internet when the table was
/// made, so it outranks a full tunnel's halves) or refused. Disposing removes every route added, unless
/// <see cref="BlockAndRelease"/> let go of them.
/// </summary>
/// <remarks>Not thread-safe: one caller at a time, as a route applier is.</remarks>
[SupportedOSPlatform("macos")]
[SupportedOSPlatform("windows")]
public sealed class InterfaceRouteTable : IDisposable
{
    private readonly ISingleTableRouteSet _routes;
    private readonly IDisposable? _owned;
    private bool _disposed;

    private InterfaceRouteTable(ISingleTableRouteSet routes, IDisposable? owned)
    {
        _routes = routes;
        _owned = owned;
    }

    /// <summary>The tunnel interface.</summary>
    public string InterfaceName => _routes.InterfaceName;

    /// <summary>The destinations routed, and how.</summary>
    public IReadOnlyDictionary<IPNetwork, InterfaceRouteKind> InstalledRoutes => _routes.Installed;

    /// <summary>Opens the table of <paramref name="interfaceName"/>, noting the system's routes to the rest of the Internet now.</summary>
    /// <param name="interfaceName">The tunnel interface, which must exist.</param>
    /// <returns>The table, with nothing added.</returns>
    /// <exception cref="IOException">The interface does not exist, or the routing socket cannot be opened.</exception>
    public static InterfaceRouteTable Create(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        if (OperatingSystem.IsMacOS())
        {
            var network = new DarwinNetwork();
            try
            {
                return new InterfaceRouteTable(new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, interfaceName)), network);
            }
            catch
            {
                network.Dispose();
                throw;
            }
        }

        if (OperatingSystem.IsWindows())
        {
            ulong luid = WindowsNetwork.LuidOf(interfaceName);
            return new InterfaceRouteTable(new SingleTableRouteSet<WindowsRoute>(new WindowsInterfaceRoutes(WindowsNetwork.Instance, interfaceName, luid)), null);
        }

        throw new PlatformNotSupportedException("An interface route table is for macOS and Windows; Linux has LinuxRouteTable.");
    }

    /// <summary>Routes <paramref name="destination"/> as <paramref name="kind"/> says, replacing what it had here.</summary>
    /// <param name="destination">The destination.</param>
    /// <param name="kind">Through the tunnel, around it, or refused.</param>
    /// <exception cref="IOException">The system refused (another program's route to the same destination, say); nothing of this call stays.</exception>
    public void AddRoute(IPNetwork destination, InterfaceRouteKind kind)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _routes.Add(destination, kind);
    }

    /// <summary>Removes what routes <paramref name="destination"/> here.</summary>
    /// <param name="destination">The destination.</param>
    /// <returns>Whether it was routed here.</returns>
    public bool RemoveRoute(IPNetwork destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _routes.Remove(destination);
    }

    /// <summary>
    /// Turns every route through the tunnel into a refusing one (on macOS; Windows has no such route) and lets go of
    /// every route: they stay after <see cref="Dispose"/>.
    /// </summary>
    /// <returns>How many destinations now refuse traffic.</returns>
    public int BlockAndRelease()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _routes.BlockAndRelease();
    }

    /// <summary>Removes every route added (unless released) and closes the table.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ = _routes.Clear();
        _owned?.Dispose();
    }
}
