using System.Net;
using Microsoft.Extensions.Logging;

namespace Tunnel.Routing;

public sealed partial class SplitTunnelRouting
{
    /// <summary>
    /// Fails closed, for when the engine died: the tunnel's routes become refusing routes and, with the rules and
    /// the direct routes, are let go of, so they stay in the system after the connection closes. Traffic the
    /// policy sends to the tunnel is then refused, never sent direct, until a connection opened with
    /// <see cref="SplitTunnelRoutingOptions.TakeOverBlockedRoutes"/> replaces them, or the table's
    /// <see cref="IFailClosedRouteApplier.RemoveStale"/> removes them. Call it before disposing the connection,
    /// which then closes the resolver, the forwarder and the device as usual and removes none of the routes.
    /// </summary>
    /// <returns>How many tunnel routes now refuse traffic; 0 when the routing never had a table or failed closed already.</returns>
    public int FailClosed()
    {
        if (_applier is null || _table is null || _applier.IsHeld)
        {
            return 0;
        }

        _applier.Hold();
        int blocked = _table.BlockAndRelease();
        Log.Blocked(_log, blocked);
        return blocked;
    }

    /// <inheritdoc/>
    public async ValueTask StopAsync(bool opened)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        // A reconnect that failed keeps the dead connection's refusing routes, and refuses what it had added.
        if (!opened && _options.TakeOverBlockedRoutes)
        {
            FailClosed();
        }

        // The resolver first, so names never go to a forwarder that is gone; the routes before their rules.
        if (_resolver is { } resolver)
        {
            await AttemptAsync(() => resolver.RestoreAsync(CancellationToken.None)).ConfigureAwait(false);
        }

        if (Forwarder is { } forwarder)
        {
            await AttemptAsync(forwarder.DisposeAsync).ConfigureAwait(false);
        }

        if (_controller is { } controller)
        {
            await AttemptAsync(controller.DisposeAsync).ConfigureAwait(false);
        }

        if (_table is { } table)
        {
            await AttemptAsync(() => { table.Dispose(); return ValueTask.CompletedTask; }).ConfigureAwait(false);
        }
    }

    private async Task AttemptAsync(Func<ValueTask> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            Log.StopStepFailed(_log, exception);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Removed {Count} routes and rules left by an earlier run")]
        public static partial void StaleRemoved(ILogger logger, int count);

        [LoggerMessage(2, LogLevel.Warning, "The DNS forwarder listens on {EndPoint}, not port 53: the system resolver is left as it is")]
        public static partial void ResolverUntouched(ILogger logger, IPEndPoint endPoint);

        [LoggerMessage(3, LogLevel.Warning, "The tunnel is down: {Count} of its routes now refuse traffic until it is back")]
        public static partial void Blocked(ILogger logger, int count);

        [LoggerMessage(4, LogLevel.Warning, "A step of stopping the split-tunnel routing failed")]
        public static partial void StopStepFailed(ILogger logger, Exception exception);
    }
}
