using Microsoft.Extensions.Options;
using Npgsql;

namespace Tunnel.Controller.Policy;

/// <summary>
/// With PostgreSQL, replicas hear each other's changes: every change runs <c>pg_notify('tunnel_policy', account)</c>
/// in its transaction (delivered only if it commits), and each replica listens on one connection of its own and
/// wakes its streams. If the connection drops, it listens again and wakes every stream, since a change may have
/// passed meanwhile.
/// </summary>
internal sealed class PostgresChangeListener(IOptions<ControllerOptions> options, PolicyChangeHub hub, ILogger<PostgresChangeListener> logger) : BackgroundService
{
    public const string Channel = "tunnel_policy";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(options.Value.ConnectionString);
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, notification) => hub.Publish(notification.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                if (!first)
                {
                    hub.PublishAll(); // what passed while not listening
                }

                first = false;
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is NpgsqlException or IOException or TimeoutException)
            {
                ControllerLog.ListenFailed(logger, error);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
