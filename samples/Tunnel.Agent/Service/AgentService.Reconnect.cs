using Microsoft.Extensions.Logging;
using Tunnel.Agent.Configuration;
using Tunnel.LocalApi;

namespace Tunnel.Agent.Service;

/// <summary>
/// A dead engine fails closed and recovers: the agent watches <see cref="TunnelHost.Completion"/> of each
/// connection; when it ends without a disconnect (a pump fault, the interface deleted), the state becomes
/// <c>reconnecting</c> with the reason (status, health, a <c>watch</c> event, a metric), the tunnel's routes
/// become prohibit routes so its traffic is refused instead of leaving directly, and the agent reconnects
/// with exponential backoff until it is back or told to disconnect.
/// </summary>
internal sealed partial class AgentService
{
    /// <summary>The first wait before reconnecting; each failed attempt doubles it, up to <see cref="MaximumReconnectDelay"/>.</summary>
    public static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts to reconnect.</summary>
    public static readonly TimeSpan MaximumReconnectDelay = TimeSpan.FromSeconds(30);

    private CancellationTokenSource? _reconnect;
    private long _engineFailures;

    /// <summary>How many times a connection's engine died under it.</summary>
    public long EngineFailures => Interlocked.Read(ref _engineFailures);

    /// <summary>The wait after a failed attempt that followed a wait of <paramref name="delay"/>: twice as long, at most <see cref="MaximumReconnectDelay"/>.</summary>
    public static TimeSpan NextReconnectDelay(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaximumReconnectDelay.Ticks));

    private void Watch(AgentConnection connection)
    {
        _ = ForwardPeerEventsAsync(connection);
        _ = WatchAsync(connection);
    }

    private async Task WatchAsync(AgentConnection connection)
    {
        string reason;
        try
        {
            await connection.Host.Completion.ConfigureAwait(false);
            reason = "the tunnel's engine stopped";
        }
        catch (Exception error)
        {
            reason = $"the tunnel's engine failed: {error.Message}";
        }

        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            // A disconnect, a reconnect or a mode change closed it on purpose: nothing died.
            if (!ReferenceEquals(Connection, connection))
            {
                return;
            }

            Interlocked.Increment(ref _engineFailures);
            Volatile.Write(ref _connection, null);
            Volatile.Write(ref _lastError, reason);
            Log.EngineDied(_log, reason);
            SetState(ConnectionStates.Reconnecting, $"reconnecting: {reason}; traffic for the tunnel is blocked until it is back");
            await connection.FailClosedAsync().ConfigureAwait(false);
            _reconnect = new CancellationTokenSource();
            _ = ReconnectAsync(reason, _reconnect.Token);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Tries to connect again after 1 s, 2 s, 4 s, ... 30 s, until connected or cancelled.</summary>
    /// <param name="reason">Why the engine died: kept in <see cref="LastError"/> beside each failed attempt's reason.</param>
    /// <param name="cancellationToken">Stops the attempts.</param>
    private async Task ReconnectAsync(string reason, CancellationToken cancellationToken)
    {
        var delay = FirstReconnectDelay;
        while (true)
        {
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (cancellationToken.IsCancellationRequested || State != ConnectionStates.Reconnecting)
                {
                    return;
                }

                var settings = Settings;
                if (!CanConnect || settings.Tunnel is null)
                {
                    return;
                }

                try
                {
                    var connection = await AgentConnection.OpenAsync(Connections(settings), settings, settings.EffectiveDnsListen(_viaSystemdResolved), _resolver, _viaSystemdResolved ? "systemd-resolved" : "resolv.conf", OnRoutesApplied, _time, cancellationToken, reconnecting: true).ConfigureAwait(false);
                    Volatile.Write(ref _connection, connection);
                    Volatile.Write(ref _lastError, null);
                    SetState(ConnectionStates.Connected, $"reconnected in {AgentConfigurationLoader.FormatMode(settings.Mode)} mode");
                    Watch(connection);
                    return;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    delay = NextReconnectDelay(delay);
                    Volatile.Write(ref _lastError, $"{reason}; reconnecting failed: {exception.Message}");
                    Log.ReconnectFailed(_log, exception, delay);
                    Publish("reconnect-failed", $"reconnecting failed: {exception.Message}; next attempt in {delay.TotalSeconds:F0} s");
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                _changes.Release();
            }
        }
    }

    /// <summary>
    /// Stops reconnecting, if the agent was, and removes the prohibit routes and rules the dead connection
    /// left (only the agent's own). Called with <see cref="_changes"/> held.
    /// </summary>
    /// <returns>Whether the agent was reconnecting.</returns>
    private async Task<bool> StopReconnectingAsync()
    {
        if (_reconnect is not { } reconnect)
        {
            return false;
        }

        // The loop waits for the change lock that the caller holds; it sees the cancellation once released
        // (so the source is not disposed under it: it holds no timer or handle once cancelled).
        _reconnect = null;
        await reconnect.CancelAsync().ConfigureAwait(false);
        var removed = AgentRecovery.RemoveStaleRoutes(_removeStaleRoutes, Settings);
        if (removed.Problem is not null)
        {
            Volatile.Write(ref _lastError, removed.Problem);
        }

        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(306, LogLevel.Error, "The tunnel is down ({Reason}): blocking its traffic and reconnecting")]
        public static partial void EngineDied(ILogger logger, string reason);

        [LoggerMessage(307, LogLevel.Warning, "Reconnecting failed; next attempt in {Delay}")]
        public static partial void ReconnectFailed(ILogger logger, Exception exception, TimeSpan delay);
    }
}
