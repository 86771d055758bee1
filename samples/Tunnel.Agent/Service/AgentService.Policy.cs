using Tunnel.Agent.Configuration;
using Tunnel.LocalApi;

namespace Tunnel.Agent.Service;

/// <summary>
/// The controller's policy, applied live as the local API's changes are (checked whole, applied, then in effect; a
/// failure leaves the previous settings), with the source <c>policy</c>. The policy beats local changes unless its
/// profile allows them: then a setting changed locally keeps its local value, and otherwise the local API refuses to
/// change what the policy sets.
/// </summary>
internal sealed partial class AgentService
{
    private ControllerPolicy? _policy;

    /// <summary>The policy in effect; null without a controller, or before its first snapshot.</summary>
    public ControllerPolicy? Policy => Volatile.Read(ref _policy);

    /// <summary>Applies <paramref name="policy"/>, live.</summary>
    /// <exception cref="AgentRequestException">The policy breaks the agent's limits, or applying it failed: the previous settings stay.</exception>
    public async Task ApplyPolicyAsync(ControllerPolicy policy, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = Settings;
            bool wasOpen = State != ConnectionStates.Disconnected;
            var sources = new Dictionary<string, SettingSource>(before.Sources);
            var after = before;
            foreach (string name in ControllerPolicy.Names)
            {
                if (policy.AllowLocalChanges && before.SourceOf(name) == SettingSource.Local)
                {
                    continue; // the profile lets the device's own change stand
                }

                sources[name] = SettingSource.Policy;
                after = name switch
                {
                    "mode" => after with { Mode = policy.Mode },
                    "splitTunnel" => after with { SplitTunnel = policy.SplitTunnel },
                    _ => after with { DnsFallbackDomains = policy.FallbackDomains },
                };
            }

            after = after with { Sources = sources };
            string description = $"policy {policy.Profile} (version {policy.Version})";
            if (AgentLimits.Check(after) is { } problem)
            {
                Publish("error", $"{description} refused: {problem}");
                throw AgentRequestException.BadRequest(problem);
            }

            try
            {
                await ApplyAsync(after, before, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                await RevertAsync(before, after, wasOpen).ConfigureAwait(false);
                Publish("error", $"{description} refused: applying it failed: {exception.Message}");
                throw new AgentRequestException(500, $"{description} not applied: {exception.Message}");
            }

            if (_localSettingsFile is not null)
            {
                try
                {
                    // Local changes the policy now overrides are dropped from the file: the policy won them.
                    AgentLocalSettings.Save(after, _localSettingsFile);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    Log.LocalSettingsNotSaved(_log, exception, _localSettingsFile);
                }
            }

            Volatile.Write(ref _settings, after);
            Volatile.Write(ref _policy, policy);
            Log.SettingChanged(_log, "policy", description);
            Publish("policy", description);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>The controller revoked this device: the tunnel closes, and the agent says why.</summary>
    public async Task OnRevokedAsync(CancellationToken cancellationToken)
    {
        ReportProblem("this device was revoked by the controller");
        if (State != ConnectionStates.Disconnected)
        {
            await DisconnectAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Refuses a local change to a setting the policy sets, unless its profile allows local changes.</summary>
    private void CheckPolicyAllows(string name)
    {
        if (Policy is { AllowLocalChanges: false } policy && ControllerPolicy.Names.Contains(name))
        {
            throw new AgentRequestException(403, $"{name} is set by the controller's policy ({policy.Profile}), which does not allow local changes");
        }
    }
}
