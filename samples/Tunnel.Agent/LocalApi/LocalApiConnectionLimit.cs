using Microsoft.AspNetCore.Connections;

namespace Tunnel.Agent.LocalApi;

/// <summary>
/// Bounds the connections open on the local API's socket at once: the socket is open to every local user, so
/// without a bound one of them could hold every file descriptor the agent has. A connection over the limit is
/// closed before any byte is read, and counted (<c>tunnelctl stats</c>, the <c>tunnel.agent.api.rejected</c> metric).
/// </summary>
internal sealed class LocalApiConnectionLimit(int limit)
{
    /// <summary>The default: room for many watchers and a burst of commands, far below the descriptor limit.</summary>
    public const int DefaultLimit = 64;

    private long _active;
    private long _rejected;

    /// <summary>The most connections open at once.</summary>
    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must be positive.");

    /// <summary>Connections open now.</summary>
    public long Active => Interlocked.Read(ref _active);

    /// <summary>Connections refused for being over the limit, since start.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>The connection middleware: counts each connection in and out, and closes the ones over the limit.</summary>
    public ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        if (Interlocked.Increment(ref _active) > Limit)
        {
            Interlocked.Decrement(ref _active);
            Interlocked.Increment(ref _rejected);
            connection.Abort(new ConnectionAbortedException("the local API has too many connections"));
            return;
        }

        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    };
}
