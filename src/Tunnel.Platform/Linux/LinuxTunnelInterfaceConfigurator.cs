using System.Runtime.Versioning;
using Tunnel.Connections;
using Tunnel.Platform.Linux.Internal;

namespace Tunnel.Platform.Linux;

/// <summary>
/// The Linux <see cref="ITunnelInterfaceConfigurator"/>: addresses, routes and wg-quick's full-tunnel rules over
/// rtnetlink, through one <see cref="LinuxRouteTable"/> per table. Routes in the main table or in a table a
/// configuration names are added as <c>ip route add</c> adds them (never replacing another's route); a full
/// tunnel's table is the tunnel's own. Every route and rule carries <see cref="LinuxRouteTableOptions.Protocol"/>.
/// </summary>
/// <remarks>
/// Acts in the named network namespace it is given, else in the namespace of the thread that creates it and
/// calls <see cref="ApplyAsync"/> (which opens a socket per table); a socket, once open, stays in its namespace
/// whichever thread uses it.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class LinuxTunnelInterfaceConfigurator : ITunnelInterfaceConfigurator
{
    private const uint MainTable = 254;

    private readonly LinuxRouteTableOptions _template;
    private readonly string? _namespace;
    private LinuxRouteTable _main;
    private readonly List<LinuxRouteTable> _tables = [];
    private readonly Lock _gate = new();
    private bool _applied;
    private bool _disposed;

    /// <summary>Opens an rtnetlink socket for <paramref name="interfaceName"/>.</summary>
    /// <param name="interfaceName">The interface, which must exist.</param>
    /// <param name="protocol">The protocol number on every route and rule (see <see cref="LinuxRouteTableOptions.Protocol"/>).</param>
    /// <param name="rulePriority">The priority of the first full-tunnel rule (see <see cref="LinuxRouteTableOptions.RulePriority"/>).</param>
    /// <param name="networkNamespace">
    /// A named network namespace (<c>ip netns add NAME</c>) to act in, whichever thread calls; null for the
    /// namespace of the calling thread.
    /// </param>
    /// <exception cref="LinuxNetlinkException">The interface does not exist, or the socket cannot be opened.</exception>
    public LinuxTunnelInterfaceConfigurator(string interfaceName, byte protocol = LinuxRouteTableOptions.DefaultProtocol, uint rulePriority = LinuxRouteTableOptions.DefaultRulePriority, string? networkNamespace = null)
    {
        _template = new LinuxRouteTableOptions { InterfaceName = interfaceName, Protocol = protocol, RulePriority = rulePriority, TableId = MainTable, Shared = true };
        _namespace = networkNamespace;
        _main = InNamespace(() => LinuxRouteTable.Create(_template));
    }

    /// <inheritdoc/>
    public uint FindUnusedTable(uint first)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return InNamespace(() => RouteTableUsage.FindUnused(first));
        }
    }

    /// <inheritdoc/>
    public ValueTask ApplyAsync(TunnelInterfaceSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_applied)
            {
                throw new InvalidOperationException("Settings were applied already; dispose this configurator and create another.");
            }

            _applied = true;
            try
            {
                if (_main.Options.FailClosed != settings.FailClosed)
                {
                    _main.Dispose(); // nothing applied yet: only its socket goes
                    _main = InNamespace(() => LinuxRouteTable.Create(_template with { FailClosed = settings.FailClosed }));
                }

                foreach (var address in settings.Addresses)
                {
                    _main.AddAddress(address.Address, address.PrefixLength);
                }

                _main.SetLinkUp();
                foreach (TunnelRoute route in settings.Routes)
                {
                    LinuxRouteTable table = TableFor(route.Table, settings);
                    if (table == _main && _main.RoutesOutOfInterface(route.Destination))
                    {
                        continue; // as wg-quick: the address's own prefix route (or a wider one) already sends it here
                    }

                    table.AddRoute(route.Destination, LinuxRouteKind.Tunnel);
                }

                foreach (TunnelPolicyRule rule in settings.PolicyRules)
                {
                    TableFor(rule.Table, settings).InstallPolicyRules(rule.Family);
                }
            }
            catch
            {
                Undo();
                throw;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Removes the rules, then the routes, then the addresses that <see cref="ApplyAsync"/> added.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                Undo();
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Best effort, newest first: each table removes its rules before its routes, the main table (addresses) last.</summary>
    private void Undo()
    {
        for (int i = _tables.Count - 1; i >= 0; i--)
        {
            _tables[i].Dispose();
        }

        _tables.Clear();
        _main.Dispose();
    }

    /// <summary>The object for a table: the main one, a full tunnel's own (the one a policy rule names), or a shared one a configuration names.</summary>
    private LinuxRouteTable TableFor(uint? table, TunnelInterfaceSettings settings)
    {
        if (table is null or MainTable)
        {
            return _main;
        }

        foreach (LinuxRouteTable existing in _tables)
        {
            if (existing.Options.TableId == table)
            {
                return existing;
            }
        }

        // A full tunnel's table is its own (a policy rule names it); any other a configuration names is shared.
        uint mark = settings.PolicyRules.FirstOrDefault(rule => rule.Table == table).FirewallMark;
        bool own = mark != 0;
        var created = InNamespace(() => LinuxRouteTable.Create(_template with
        {
            TableId = table.Value,
            Shared = !own,
            FirewallMark = own ? mark : table.Value,
            FailClosed = settings.FailClosed,
        }));
        _tables.Add(created);
        return created;
    }

    /// <summary>Runs <paramref name="open"/> (which opens a netlink socket) in the configured namespace.</summary>
    private T InNamespace<T>(Func<T> open) => _namespace is null ? open() : NetworkNamespace.Run(_namespace, open);
}
