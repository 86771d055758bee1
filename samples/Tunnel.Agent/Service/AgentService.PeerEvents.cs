namespace Tunnel.Agent.Service;

/// <summary>
/// The tunnel's peer events (handshakes, endpoint changes, give-ups) go into the agent's <c>watch</c> stream
/// and its metrics as they happen, read from <see cref="TunnelHost.WatchAsync"/> rather than polled.
/// </summary>
internal sealed partial class AgentService
{
    private long _handshakes;
    private long _lastHandshakeTicks = -1;

    /// <summary>Handshakes completed with the gateway since the agent started, over every connection.</summary>
    public long Handshakes => Interlocked.Read(ref _handshakes);

    /// <summary>Seconds since the newest handshake of the current connection; null before its first, or when disconnected.</summary>
    public double? HandshakeAgeSeconds() =>
        Connection is not null && Interlocked.Read(ref _lastHandshakeTicks) is >= 0 and var ticks
            ? Math.Max(0, (_time.GetUtcNow() - new DateTimeOffset(ticks, TimeSpan.Zero)).TotalSeconds)
            : null;

    /// <summary>Forwards <paramref name="connection"/>'s peer events until its host stops.</summary>
    private async Task ForwardPeerEventsAsync(AgentConnection connection)
    {
        var events = connection.Host.WatchAsync().GetAsyncEnumerator();
        try
        {
            // The first MoveNextAsync registers the watch. A handshake that completed before it (opening the
            // connection may take one) is in the status instead: reported from there, and not again if the
            // watch delivers it too.
            ValueTask<bool> next = events.MoveNextAsync();
            var seen = new Dictionary<Core.Crypto.PublicKey, DateTimeOffset>();
            Interlocked.Exchange(ref _lastHandshakeTicks, -1);
            foreach (var peer in connection.Host.GetPeers())
            {
                if (peer.LastHandshake is { } at)
                {
                    seen[peer.PublicKey] = at;
                    OnHandshake(peer.PublicKey, peer.Endpoint, at);
                }
            }

            while (await next.ConfigureAwait(false))
            {
                TunnelPeerEvent peerEvent = events.Current;
                switch (peerEvent.Kind)
                {
                    case TunnelPeerEventKind.HandshakeCompleted when seen.TryGetValue(peerEvent.PublicKey, out var reported) && peerEvent.Time <= reported:
                        break;
                    case TunnelPeerEventKind.HandshakeCompleted:
                        OnHandshake(peerEvent.PublicKey, peerEvent.Endpoint, peerEvent.Time);
                        break;
                    case TunnelPeerEventKind.EndpointChanged:
                        Publish("endpoint-changed", $"peer {peerEvent.PublicKey} moved to {peerEvent.Endpoint}");
                        break;
                    case TunnelPeerEventKind.HandshakeGaveUp:
                        Publish("handshake-gave-up", $"no answer from {peerEvent.PublicKey} at {peerEvent.Endpoint} for 90 s; its queued packets were dropped");
                        break;
                    case TunnelPeerEventKind.SessionsExpired:
                        Publish("sessions-expired", $"the sessions with {peerEvent.PublicKey} expired");
                        break;
                }

                next = events.MoveNextAsync();
            }
        }
        finally
        {
            await events.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnHandshake(Core.Crypto.PublicKey peer, System.Net.IPEndPoint? endpoint, DateTimeOffset at)
    {
        Interlocked.Increment(ref _handshakes);
        Interlocked.Exchange(ref _lastHandshakeTicks, at.UtcTicks);
        Publish("handshake", $"handshake with {peer} at {endpoint}");
    }
}
