using System.Threading.Channels;
using Tunnel.Core.Protocol;

namespace Tunnel.Internal;

/// <summary>
/// Peer events for watchers: each watcher has a bounded channel of its own, so a slow reader loses its own
/// oldest events and never holds up the engine or another watcher.
/// </summary>
internal sealed partial class DeviceEngine
{
    /// <summary>Events a watcher may fall behind by before its oldest are dropped.</summary>
    internal const int WatcherCapacity = 256;

    private readonly Lock _watchersGate = new();
    private volatile Channel<TunnelPeerEvent>[] _watchers = [];

    /// <summary>A new watcher's channel; it is completed when the engine stops.</summary>
    public Channel<TunnelPeerEvent> AddWatcher()
    {
        var channel = Channel.CreateBounded<TunnelPeerEvent>(new BoundedChannelOptions(WatcherCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
        lock (_watchersGate)
        {
            if (_stopping)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _watchers = [.. _watchers, channel];
            }
        }

        return channel;
    }

    public void RemoveWatcher(Channel<TunnelPeerEvent> channel)
    {
        lock (_watchersGate)
        {
            _watchers = [.. _watchers.Where(watcher => watcher != channel)];
        }

        channel.Writer.TryComplete();
    }

    /// <summary>Under the device lock: hands one core event to every watcher (nothing is built when none watches).</summary>
    private void Publish(in DeviceEvent deviceEvent)
    {
        Channel<TunnelPeerEvent>[] watchers = _watchers;
        if (watchers.Length == 0)
        {
            return;
        }

        var published = new TunnelPeerEvent
        {
            Kind = deviceEvent.Kind switch
            {
                DeviceEventKind.HandshakeCompleted => TunnelPeerEventKind.HandshakeCompleted,
                DeviceEventKind.HandshakeGaveUp => TunnelPeerEventKind.HandshakeGaveUp,
                DeviceEventKind.EndpointChanged => TunnelPeerEventKind.EndpointChanged,
                _ => TunnelPeerEventKind.SessionsExpired,
            },
            PublicKey = deviceEvent.Peer.PublicKey,
            Endpoint = deviceEvent.Peer.Endpoint.IsEmpty ? null : deviceEvent.Peer.Endpoint.ToIPEndPoint(),
            Time = WallClockAtZero + deviceEvent.Time,
        };
        foreach (var watcher in watchers)
        {
            watcher.Writer.TryWrite(published);
        }
    }

    /// <summary>Ends every watch: the engine stopped.</summary>
    private void CompleteWatchers()
    {
        lock (_watchersGate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }

            _watchers = [];
        }
    }
}
