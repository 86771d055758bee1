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
/// made, so it outranks a full tunnel's halves) or refused. On macOS a network through the tunnel has a blackhole
/// route behind it, at its own prefix, while the tunnel routes its two halves: the halves go with the interface and
/// the blackhole (journaled, like every route outside the interface) refuses its traffic if the process dies, as
/// Linux's prohibit routes do; a host route cannot be split and has none. Disposing removes every route added,
/// unless <see cref="BlockAndRelease"/> let go of them.
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

    /// <summary>
    /// Where the routes a table adds outside its interface are recorded by default, so that the next process removes
    /// them after a crash: <c>/Library/Application Support/Tunnel/routes</c> on macOS, <c>%ProgramData%\Tunnel\routes</c>
    /// on Windows.
    /// </summary>
    public static string DefaultStateDirectory => OperatingSystem.IsMacOS()
        ? "/Library/Application Support/Tunnel/routes"
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "Tunnel", "routes");

    /// <summary>Opens the table of <paramref name="interfaceName"/>, noting the system's routes to the rest of the Internet now.</summary>
    /// <param name="interfaceName">The tunnel interface, which must exist.</param>
    /// <param name="stateDirectory">
    /// Where to record the routes added outside the interface (direct and refusing ones, which outlive it), each before
    /// it exists; <see cref="RemoveStale"/> removes them after a crash. Null records nothing.
    /// </param>
    /// <returns>The table, with nothing added.</returns>
    /// <exception cref="IOException">The interface does not exist, or the routing socket cannot be opened.</exception>
    public static InterfaceRouteTable Create(string interfaceName, string? stateDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        if (OperatingSystem.IsMacOS())
        {
            var network = new DarwinNetwork();
            try
            {
                RouteJournal<DarwinRoute>? journal = null;
                if (stateDirectory is not null)
                {
                    // Whatever an earlier table on this interface recorded was a dead process's: this one just made it.
                    _ = RouteJournal<DarwinRoute>.RemoveStale(stateDirectory, DarwinRouteCodec.Instance, static name => Interop.Unix.Interop.IfNameToIndex(name) != 0, network.DeleteRoute, current: interfaceName);
                    journal = new RouteJournal<DarwinRoute>(RouteJournal<DarwinRoute>.PathFor(stateDirectory, interfaceName, "split"), DarwinRouteCodec.Instance);
                }

                return new InterfaceRouteTable(new SingleTableRouteSet<DarwinRoute>(new DarwinInterfaceRoutes(network, interfaceName), journal), network);
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
            RouteJournal<WindowsRoute>? journal = null;
            if (stateDirectory is not null)
            {
                _ = RouteJournal<WindowsRoute>.RemoveStale(stateDirectory, WindowsRouteCodec.Instance, WindowsNetwork.Exists, WindowsNetwork.Instance.DeleteRoute, current: interfaceName);
                journal = new RouteJournal<WindowsRoute>(RouteJournal<WindowsRoute>.PathFor(stateDirectory, interfaceName, "split"), WindowsRouteCodec.Instance);
            }

            return new InterfaceRouteTable(new SingleTableRouteSet<WindowsRoute>(new WindowsInterfaceRoutes(WindowsNetwork.Instance, interfaceName, luid), journal), null);
        }

        throw new PlatformNotSupportedException("An interface route table is for macOS and Windows; Linux has LinuxRouteTable.");
    }

    /// <summary>
    /// Removes the routes recorded in <paramref name="stateDirectory"/> by tables (and connections) whose interface is
    /// gone: what a process that died left outside the interface. Live tunnels' routes stay; so does every route not
    /// recorded there.
    /// </summary>
    /// <param name="stateDirectory">The directory given to <see cref="Create"/>.</param>
    /// <returns>How many routes were removed.</returns>
    public static int RemoveStale(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        if (OperatingSystem.IsMacOS())
        {
            using var network = new DarwinNetwork();
            return RouteJournal<DarwinRoute>.RemoveStale(stateDirectory, DarwinRouteCodec.Instance, static name => Interop.Unix.Interop.IfNameToIndex(name) != 0, network.DeleteRoute);
        }

        if (OperatingSystem.IsWindows())
        {
            return RouteJournal<WindowsRoute>.RemoveStale(stateDirectory, WindowsRouteCodec.Instance, WindowsNetwork.Exists, WindowsNetwork.Instance.DeleteRoute);
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
    /// Leaves every destination through the tunnel refused once the interface goes (on macOS, by the blackhole behind
    /// it, or one that replaces a host route; Windows has no such route) and lets go of every route: they stay after
    /// <see cref="Dispose"/>.
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
