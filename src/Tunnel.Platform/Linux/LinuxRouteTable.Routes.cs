using System.Net;
using System.Net.Sockets;
using Tunnel.Platform.Linux.Internal;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux;

public sealed partial class LinuxRouteTable
{
    /// <summary>
    /// The metric of the prohibit route behind each tunnel route (<see cref="LinuxRouteTableOptions.FailClosed"/>):
    /// the largest a route can have, behind anything else at its prefix (IPv4's default is 0, IPv6's 1024).
    /// </summary>
    private const uint BackstopMetric = uint.MaxValue;

    private readonly Dictionary<IPNetwork, LinuxRouteKind> _routes = [];

    /// <summary>The routes this object has put in the table and not removed, with their kind: a snapshot, for diagnostics.</summary>
    public IReadOnlyDictionary<IPNetwork, LinuxRouteKind> InstalledRoutes
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<IPNetwork, LinuxRouteKind>(_routes);
            }
        }
    }

    /// <summary>
    /// Puts a route to <paramref name="destination"/> in the table, replacing the table's route to that exact
    /// prefix if there is one (<c>ip route replace</c>), so adding is idempotent and changes a route's kind in
    /// one step. In a <see cref="LinuxRouteTableOptions.Shared"/> table only a route this object added is
    /// replaced; another at the prefix and metric makes the kernel answer <c>EEXIST</c>. With <see cref="LinuxRouteTableOptions.FailClosed"/>, a tunnel route comes with a prohibit
    /// route behind it that takes over when the interface goes away; another kind at the prefix removes it.
    /// </summary>
    /// <param name="destination">An IPv4 or IPv6 prefix; <c>0.0.0.0/0</c> and <c>::/0</c> make a default route of the table.</param>
    /// <param name="kind">Through the tunnel, around it, or refused.</param>
    /// <exception cref="LinuxNetlinkException">
    /// The kernel refused: for example <c>ENETDOWN</c> for a tunnel route while the interface is down (see
    /// <see cref="SetLinkUp"/>), <c>ENODEV</c> once it is gone.
    /// </exception>
    public void AddRoute(IPNetwork destination, LinuxRouteKind kind)
    {
        ValidateDestination(destination);
        if (kind is not (LinuxRouteKind.Tunnel or LinuxRouteKind.Bypass or LinuxRouteKind.Blocked))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a route kind.");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            bool backstop = Options.FailClosed && kind == LinuxRouteKind.Tunnel;
            bool hadBackstop = Options.FailClosed && _routes.GetValueOrDefault(destination, LinuxRouteKind.Bypass) == LinuxRouteKind.Tunnel;
            int errno;
            string? reason;

            // The prohibit route first: there is no moment when the tunnel route is in and nothing is behind it.
            if (backstop && !hadBackstop)
            {
                RtNetlinkRequests.AddRoute(_socket.Request, destination, LinuxRouteKind.Blocked, Options.TableId, InterfaceIndex, Options.Protocol, BackstopMetric);
                errno = _socket.Execute(out reason);
                if (errno != 0)
                {
                    throw new LinuxNetlinkException($"Adding route prohibit {destination} table {Options.TableId} metric {BackstopMetric}", errno, reason);
                }
            }

            // In a shared table a route at the prefix may be someone else's: never replace it (ip route add, not replace).
            RtNetlinkRequests.AddRoute(_socket.Request, destination, kind, Options.TableId, InterfaceIndex, Options.Protocol, exclusive: Options.Shared && !_routes.ContainsKey(destination));
            errno = _socket.Execute(out reason);
            if (errno != 0)
            {
                if (backstop && !hadBackstop)
                {
                    _ = DeleteBackstop(destination);
                }

                string route = kind switch
                {
                    LinuxRouteKind.Tunnel => $"{destination} dev {InterfaceName}",
                    LinuxRouteKind.Blocked => $"prohibit {destination}",
                    _ => $"throw {destination}",
                };
                throw new LinuxNetlinkException($"Adding route {route} table {Options.TableId}", errno, reason);
            }

            // A bypass route needs nothing behind it; a prohibit route at the front makes it redundant but harmless.
            if (hadBackstop && kind == LinuxRouteKind.Bypass)
            {
                _ = DeleteBackstop(destination);
            }

            _routes[destination] = kind;
        }
    }

    /// <summary>
    /// Removes the table's route to <paramref name="destination"/>, of any kind, if it carries our protocol. A route that is not there
    /// (<c>ESRCH</c>, <c>ENOENT</c>) is not an error: the kernel deletes a tunnel route by itself when the
    /// interface goes, and the caller wants the route gone, which it is.
    /// </summary>
    /// <param name="destination">The prefix, as it was added.</param>
    /// <exception cref="LinuxNetlinkException">The kernel refused for another reason.</exception>
    public void RemoveRoute(IPNetwork destination)
    {
        ValidateDestination(destination);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int errno = DeleteRoute(destination, out string? reason);
            if (errno != 0)
            {
                throw new LinuxNetlinkException($"Removing route {destination} table {Options.TableId}", errno, reason);
            }

            _routes.Remove(destination);
        }
    }

    /// <summary>Deletes a route, and the prohibit route behind it if there may be one; 0 also when it was already gone.</summary>
    private int DeleteRoute(IPNetwork destination, out string? reason)
    {
        if (Options.FailClosed)
        {
            _ = DeleteBackstop(destination);
        }

        RtNetlinkRequests.DeleteRoute(_socket.Request, destination, Options.TableId, Options.Protocol);
        int errno = _socket.Execute(out reason);
        return errno is Errors.ESRCH or Errors.ENOENT ? 0 : errno;
    }

    /// <summary>Deletes the prohibit route behind a tunnel route; 0 also when there was none.</summary>
    private int DeleteBackstop(IPNetwork destination)
    {
        RtNetlinkRequests.DeleteRoute(_socket.Request, destination, Options.TableId, Options.Protocol, BackstopMetric);
        int errno = _socket.Execute(out _);
        return errno is Errors.ESRCH or Errors.ENOENT ? 0 : errno;
    }

    private static void ValidateDestination(IPNetwork destination)
    {
        if (destination.BaseAddress is not { AddressFamily: AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 })
        {
            throw new ArgumentException("The destination must be an IPv4 or IPv6 prefix.", nameof(destination));
        }
    }
}
