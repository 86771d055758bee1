using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tunnel.Routing;

/// <summary>
/// Drives a <see cref="SplitTunnelRouter"/>: applies its route set through an <see cref="IRouteApplier"/>
/// when started, learns from DNS responses and applies what they add before the caller releases the answer,
/// expires learned addresses at the router's deadlines, applies policy changes live, and removes every
/// route it added when stopped. Changes reach the applier one at a time, in the order the router made them.
/// </summary>
public sealed partial class SplitTunnelController : IAsyncDisposable
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private readonly IRouteApplier _applier;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _origin;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _rescheduled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _expiry;
    private bool _started;
    private bool _stopped;
    private long _applyFailures;
    private long _answersWithheld;

    /// <summary>Creates a controller; nothing is applied until <see cref="StartAsync"/>.</summary>
    /// <param name="router">The router state.</param>
    /// <param name="applier">Where its routes go.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The log; none when <see langword="null"/>.</param>
    public SplitTunnelController(SplitTunnelRouter router, IRouteApplier applier, TimeProvider? timeProvider = null, ILogger<SplitTunnelController>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(applier);
        Router = router;
        _applier = applier;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _origin = _time.GetTimestamp();
    }

    /// <summary>The router this controller drives.</summary>
    public SplitTunnelRouter Router { get; }

    /// <summary>The router's clock: the time since this controller was created.</summary>
    public TimeSpan Now => _time.GetElapsedTime(_origin);

    /// <summary>Changes the applier refused (each is logged; the router keeps its state).</summary>
    public long ApplyFailures => Interlocked.Read(ref _applyFailures);

    /// <summary>DNS answers that <see cref="LearnAnswerAsync"/> said not to release (fail closed), since the controller was created.</summary>
    public long AnswersWithheld => Interlocked.Read(ref _answersWithheld);

    /// <summary>The last error the applier reported, or <see langword="null"/>.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Applies the router's whole route set and starts expiring learned addresses.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the routes are in place.</returns>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_stopped, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_started)
            {
                return;
            }

            await _applier.ApplyAsync(new RouteSetChange(Router.GetRoutes(), []), cancellationToken).ConfigureAwait(false);
            _started = true;
        }
        finally
        {
            _gate.Release();
        }

        _expiry = Task.Run(() => RunExpiryAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>
    /// Learns from a DNS response (see <see cref="SplitTunnelRouter.Learn(ReadOnlySpan{byte}, TimeSpan)"/>) and
    /// applies the routes it adds. When the task completes, the addresses of the answer route by their rule,
    /// so the caller can release the answer to the application.
    /// </summary>
    /// <param name="response">The DNS response as received (without the TCP length prefix).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of routes the answer added.</returns>
    /// <remarks>This overload does not say whether the answer may be released: use <see cref="LearnAnswerAsync"/>.</remarks>
    public async ValueTask<int> LearnAsync(ReadOnlyMemory<byte> response, CancellationToken cancellationToken = default) =>
        (await LearnAnswerAsync(response, cancellationToken).ConfigureAwait(false)).RoutesAdded;

    /// <summary>
    /// Learns from a DNS response and applies the routes it adds, then says whether the answer may be
    /// released. Learn-then-release fails closed: where the rule sends the name into the tunnel (include
    /// mode), an answer with an address a limit refused, or whose routes the system refused, is not to be
    /// released (the address would go direct); the addresses of a refused change are forgotten, so the next
    /// answer tries again. In exclude mode such an answer is released: the address stays in the tunnel.
    /// </summary>
    /// <param name="response">The DNS response as received (without the TCP length prefix).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>What was learned and whether the answer may be released.</returns>
    public async ValueTask<AnswerLearning> LearnAnswerAsync(ReadOnlyMemory<byte> response, CancellationToken cancellationToken = default)
    {
        if (!Router.Policy.HasDomainRules)
        {
            return new AnswerLearning(0, 0, true);
        }

        // The gate also makes a second answer for an address still being installed wait for it.
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = Router.NextDeadline;
            var change = Router.Learn(response.Span, Now, out int refused);
            if (Router.NextDeadline != before)
            {
                Reschedule();
            }

            bool applied = await TryApplyLockedAsync(change, cancellationToken).ConfigureAwait(false);
            if (!applied)
            {
                // Take back what may have gone in before the failure; the kernel forgives removing a missing route.
                await TryApplyLockedAsync(Router.Forget(change), cancellationToken).ConfigureAwait(false);
            }

            bool release = Router.Policy.EntryDecision != RouteDecision.Tunnel || (applied && refused == 0);
            if (!release)
            {
                Interlocked.Increment(ref _answersWithheld);
                Log.AnswerWithheld(_logger, refused, applied);
            }

            return new AnswerLearning(applied ? change.Added.Count : 0, refused, release);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Replaces the policy and applies the difference, without dropping the routes that stay.</summary>
    /// <param name="policy">The new policy.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The change that was applied.</returns>
    public async ValueTask<RouteSetChange> SetPolicyAsync(SplitTunnelPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var change = Router.SetPolicy(policy);
            await ApplyLockedAsync(change, cancellationToken).ConfigureAwait(false);
            Reschedule();
            return change;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Tells the router a flow used an address (see <see cref="SplitTunnelRouter.ReportActivity"/>).</summary>
    /// <param name="address">4 or 16 bytes in network order.</param>
    public void ReportActivity(ReadOnlySpan<byte> address) => Router.ReportActivity(address, Now);

    /// <summary>Stops expiring and removes every route the router had applied.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the routes are gone.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_expiry is not null)
        {
            await _expiry.ConfigureAwait(false);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_started)
            {
                await ApplyLockedAsync(new RouteSetChange([], Router.GetRoutes()), cancellationToken).ConfigureAwait(false);
                _started = false;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _gate.Dispose();
    }

    private async Task RunExpiryAsync(CancellationToken stopping)
    {
        try
        {
            await ExpireWhenDueAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping while a change was being applied: StopAsync removes everything next.
        }
    }

    private async Task ExpireWhenDueAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var rescheduled = Volatile.Read(ref _rescheduled).Task;
            // Task.Delay takes at most about 49 days; a later deadline is simply looked at again in a day.
            var delay = Router.NextDeadline is { } deadline ? deadline - Now : Timeout.InfiniteTimeSpan;
            if (delay > MaxWait)
            {
                delay = MaxWait;
            }

            if (delay != Timeout.InfiniteTimeSpan && delay <= TimeSpan.Zero)
            {
                await ExpireAsync(stopping).ConfigureAwait(false);
                continue;
            }

            // The delay's own token is cancelled after each wait, so a wait ended by a reschedule leaves no timer behind.
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            await Task.WhenAny(rescheduled, Task.Delay(delay, _time, wait.Token)).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task ExpireAsync(CancellationToken stopping)
    {
        try
        {
            await _gate.WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await ApplyLockedAsync(Router.HandleTimeout(Now), stopping).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask ApplyLockedAsync(RouteSetChange change, CancellationToken cancellationToken) =>
        _ = await TryApplyLockedAsync(change, cancellationToken).ConfigureAwait(false);

    /// <summary>Applies a change; <see langword="false"/> when the applier refused it (logged and counted, the router keeps its state).</summary>
    private async ValueTask<bool> TryApplyLockedAsync(RouteSetChange change, CancellationToken cancellationToken)
    {
        if (change.IsEmpty || !_started)
        {
            return true;
        }

        try
        {
            await _applier.ApplyAsync(change, cancellationToken).ConfigureAwait(false);
            Log.Applied(_logger, change.Added.Count, change.Removed.Count);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Interlocked.Increment(ref _applyFailures);
            LastError = exception;
            Log.ApplyFailed(_logger, exception, change.ToString());
            return false;
        }
    }

    private void Reschedule() =>
        Interlocked.Exchange(ref _rescheduled, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Routes applied: {Added} added, {Removed} removed")]
        public static partial void Applied(ILogger logger, int added, int removed);

        [LoggerMessage(2, LogLevel.Error, "A route change ({Change}) could not be applied")]
        public static partial void ApplyFailed(ILogger logger, Exception exception, string change);

        [LoggerMessage(3, LogLevel.Warning, "A DNS answer was withheld: {Refused} of its addresses could not be learned (limits), routes applied: {Applied}")]
        public static partial void AnswerWithheld(ILogger logger, int refused, bool applied);
    }
}
