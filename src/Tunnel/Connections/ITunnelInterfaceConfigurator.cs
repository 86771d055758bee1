namespace Tunnel.Connections;

/// <summary>
/// The port through which a <see cref="TunnelConnection"/> gives its interface addresses and routes: the
/// route and address applier of one interface. Disposing it removes what it applied, in reverse order, and
/// only that: routes, rules and addresses that were there before stay.
/// </summary>
public interface ITunnelInterfaceConfigurator : IAsyncDisposable
{
    /// <summary>
    /// The first routing table, counting up from <paramref name="first"/>, that holds no route in any family:
    /// the table (and firewall mark) a full tunnel uses when the configuration names no mark, as wg-quick
    /// chooses it. An OS with a single routing table returns <paramref name="first"/>.
    /// </summary>
    /// <param name="first">Where to start (wg-quick starts at 51820).</param>
    /// <returns>The table.</returns>
    uint FindUnusedTable(uint first);

    /// <summary>
    /// Applies <paramref name="settings"/>: the addresses, the interface up, the routes, then the policy rules.
    /// All or nothing: when a step fails, what the call applied is removed again before the exception leaves.
    /// </summary>
    /// <param name="settings">What to apply.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the system routes by the settings.</returns>
    /// <exception cref="IOException">The system refused a step, for example a route that already exists (never replaced).</exception>
    /// <exception cref="InvalidOperationException">Settings were applied already.</exception>
    ValueTask ApplyAsync(TunnelInterfaceSettings settings, CancellationToken cancellationToken);
}
