using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tunnel.Agent.Configuration;
using Tunnel.ControlPlane;

namespace Tunnel.Agent.Service;

/// <summary>
/// The agent's side of the control plane: one long-lived policy stream to the controller (server-sent events), each
/// policy applied live as it comes; reconnecting with <c>Last-Event-ID</c> after a failure (1 s, doubling to 30 s), so a
/// controller restart or a replica change costs a snapshot only if the policy changed meanwhile; a stream silent for
/// longer than three keep-alives is taken for dead. A <c>revoked</c> event, or a credential the controller no longer
/// knows, closes the tunnel. Telemetry (version and tunnel counters) is reported at
/// <see cref="ControllerSettings.TelemetryInterval"/>.
/// </summary>
internal sealed partial class ControllerClient(AgentService agent, ControllerSettings settings, HttpMessageHandler handler, TimeProvider time, ILogger<ControllerClient> log) : BackgroundService
{
    /// <summary>The longest silence on the stream before it is taken for dead.</summary>
    public static readonly TimeSpan SilenceLimit = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1), LastRetry = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http = new(handler, disposeHandler: true) { BaseAddress = settings.Url, Timeout = Timeout.InfiniteTimeSpan };
    private long _version = -1;

    /// <summary>The policy version last applied (what a reconnection resumes from); null before the first.</summary>
    public long? Version => Interlocked.Read(ref _version) is >= 0 and var version ? version : null;

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var running = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task telemetry = ReportTelemetryAsync(running.Token);
        try
        {
            await FollowUntilRevokedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await running.CancelAsync().ConfigureAwait(false); // a revoked device reports nothing more
            try
            {
                await telemetry.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task FollowUntilRevokedAsync(CancellationToken stoppingToken)
    {
        TimeSpan retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await FollowAsync(() => retry = FirstRetry, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception error) when (error is HttpRequestException or IOException or TimeoutException or JsonException || (error is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                Log.StreamFailed(log, settings.Url, error.Message);
            }

            await Task.Delay(retry, time, stoppingToken).ConfigureAwait(false);
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }
    }

    /// <summary>Follows one stream until it ends.</summary>
    /// <returns>True when the device was revoked.</returns>
    private async Task<bool> FollowAsync(Action heard, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "agent/v1/policy/stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await ReadCredentialAsync(cancellationToken).ConfigureAwait(false));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (Version is { } version)
        {
            request.Headers.Add("Last-Event-ID", version.ToString(CultureInfo.InvariantCulture));
        }

        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            Log.Revoked(log, settings.Url);
            await agent.OnRevokedAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }

        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
        string type = "message";
        var data = new StringBuilder();
        while (true)
        {
            string? line;
            using (var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                silence.CancelAfter(SilenceLimit);
                try
                {
                    line = await reader.ReadLineAsync(silence.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"the policy stream was silent for {SilenceLimit.TotalSeconds} s");
                }
            }

            if (line is null)
            {
                return false; // the controller ended it (a restart): reconnect
            }

            heard();
            if (line.Length > 0)
            {
                if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = line[6..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(line.AsSpan(5).TrimStart(' '));
                }

                continue; // comments (keep-alives) and ids: the snapshot carries its version
            }

            if (type == "revoked")
            {
                Log.Revoked(log, settings.Url);
                await agent.OnRevokedAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }

            if (type == "policy" && data.Length > 0)
            {
                await ApplyAsync(data.ToString(), cancellationToken).ConfigureAwait(false);
            }

            type = "message";
            data.Clear();
        }
    }

    private async Task ApplyAsync(string json, CancellationToken cancellationToken)
    {
        PolicySnapshot snapshot = JsonSerializer.Deserialize(json, ControlPlaneJsonContext.Default.PolicySnapshot) ?? throw new JsonException("an empty policy");
        try
        {
            await agent.ApplyPolicyAsync(ControllerPolicy.From(snapshot), cancellationToken).ConfigureAwait(false);
            Log.PolicyApplied(log, snapshot.ProfileName, snapshot.Version);
        }
        catch (Exception error) when (error is FormatException or AgentRequestException)
        {
            // Not applied; the previous settings stay. The version counts as seen, so a reconnection does not fetch it again.
            agent.ReportProblem($"the controller's policy {snapshot.ProfileName} (version {snapshot.Version}) was not applied: {error.Message}");
        }

        Interlocked.Exchange(ref _version, snapshot.Version);
    }

    private async Task ReportTelemetryAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.TelemetryInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var stats = agent.GetStats();
                var report = new TelemetryReport(AgentVersion.Text, stats.Tunnel?.BytesReceived, stats.Tunnel?.BytesSent, null);
                using var request = new HttpRequestMessage(HttpMethod.Post, "agent/v1/telemetry")
                {
                    Content = new StringContent(JsonSerializer.Serialize(report, ControlPlaneJsonContext.Default.TelemetryReport), Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await ReadCredentialAsync(cancellationToken).ConfigureAwait(false));
                using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is HttpRequestException or IOException or UnauthorizedAccessException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Log.TelemetryFailed(log, error.Message);
            }
        }
    }

    private async Task<string> ReadCredentialAsync(CancellationToken cancellationToken) =>
        (await File.ReadAllTextAsync(settings.CredentialFile, cancellationToken).ConfigureAwait(false)).Trim();

    private static partial class Log
    {
        [LoggerMessage(601, LogLevel.Warning, "The policy stream from {Controller} failed: {Reason}; trying again")]
        public static partial void StreamFailed(ILogger logger, Uri controller, string reason);

        [LoggerMessage(602, LogLevel.Information, "Policy {Profile} version {Version} applied")]
        public static partial void PolicyApplied(ILogger logger, string profile, long version);

        [LoggerMessage(603, LogLevel.Warning, "{Controller} revoked this device; the tunnel is closed")]
        public static partial void Revoked(ILogger logger, Uri controller);

        [LoggerMessage(604, LogLevel.Debug, "Reporting telemetry failed: {Reason}")]
        public static partial void TelemetryFailed(ILogger logger, string reason);
    }
}
