using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Tunnel.LocalApi;

namespace Tunnel.Agent.Service;

/// <summary>
/// Fans agent events out to every <c>watch</c> client. Each subscriber has its own bounded queue that drops
/// its oldest events when the client reads too slowly, so one stalled watcher cannot hold up the agent or
/// the others.
/// </summary>
internal sealed class AgentEvents
{
    private const int QueueLength = 256;
    private readonly Lock _gate = new();
    private readonly List<Channel<AgentEvent>> _subscribers = [];

    /// <summary>Watchers connected now.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Sends an event to every watcher.</summary>
    public void Publish(AgentEvent agentEvent)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(agentEvent);
            }
        }
    }

    /// <summary>Events from now until <paramref name="cancellationToken"/> fires, starting with <paramref name="first"/>.</summary>
    public async IAsyncEnumerable<AgentEvent> SubscribeAsync(AgentEvent first, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<AgentEvent>(new BoundedChannelOptions(QueueLength) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        channel.Writer.TryWrite(first);
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}
