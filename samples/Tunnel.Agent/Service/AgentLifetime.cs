using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tunnel.Agent.Service;

/// <summary>
/// Ties the agent to the host's lifetime: recovery from a crashed predecessor before the API opens, an
/// optional connect at start, and a full disconnect (resolver, routes, rules) when the service stops.
/// </summary>
internal sealed partial class AgentLifetime(AgentService agent, bool connect, ILogger<AgentLifetime> log) : IHostedService
{
    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await agent.RecoverAsync(cancellationToken).ConfigureAwait(false);
        if (connect)
        {
            try
            {
                await agent.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (AgentRequestException refused)
            {
                // Stay up, disconnected: the operator sees why in `tunnelctl status` and can fix it live.
                Log.ConnectAtStartFailed(log, refused.Message);
            }
        }
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken) => await agent.DisposeAsync().ConfigureAwait(false);

    private static partial class Log
    {
        [LoggerMessage(400, LogLevel.Error, "Could not connect at start: {Reason}")]
        public static partial void ConnectAtStartFailed(ILogger logger, string reason);
    }
}
