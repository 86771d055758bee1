using Tunnel.Routing.Internal;

namespace Tunnel.Routing;

public sealed partial class SplitTunnelRouter
{
    private readonly List<LearnedAddress> _expired = [];

    /// <summary>When <see cref="HandleTimeout"/> should next run (an answer's TTL plus the grace period, or a flow's activity timeout); <see langword="null"/> when nothing is learned.</summary>
    public TimeSpan? NextDeadline
    {
        get
        {
            lock (_gate)
            {
                return _nextDeadline;
            }
        }
    }

    /// <summary>
    /// Tells the router a flow used <paramref name="address"/>, so a learned address whose answers have
    /// expired stays while traffic still goes to it. Lock-free and allocation-free: call it from the data path.
    /// </summary>
    /// <param name="address">4 or 16 bytes in network order.</param>
    /// <param name="now">The current time on the router's clock.</param>
    public void ReportActivity(ReadOnlySpan<byte> address, TimeSpan now)
    {
        if (_snapshot.TryLookupLearned(address, out var learned))
        {
            Volatile.Write(ref learned.LastActivityTicks, now.Ticks);
        }
    }

    /// <summary>Expires claims whose TTL and grace period have passed, and removes addresses no name claims and no flow uses.</summary>
    /// <param name="now">The current time on the router's clock.</param>
    /// <returns>The change the system's routes must go through.</returns>
    public RouteSetChange HandleTimeout(TimeSpan now)
    {
        lock (_gate)
        {
            var changes = default(ChangeCollector);
            TimeSpan? next = null;
            foreach (var address in _learned.Values)
            {
                var claims = address.Claims;
                foreach (var claim in claims.Values)
                {
                    // Removing while enumerating is allowed for Dictionary (it does not invalidate the enumerator).
                    if (claim.Expires + _options.GracePeriod <= now)
                    {
                        RemoveClaim(address, claim.Name);
                    }
                    else
                    {
                        next = Earlier(next, claim.Expires + _options.GracePeriod);
                    }
                }

                if (claims.Count > 0)
                {
                    continue;
                }

                long last = Volatile.Read(ref address.LastActivityTicks);
                if (last != LearnedAddress.NeverActive && now - TimeSpan.FromTicks(last) < _options.ActivityTimeout)
                {
                    next = Earlier(next, TimeSpan.FromTicks(last) + _options.ActivityTimeout);
                    continue;
                }

                _expired.Add(address);
            }

            foreach (var address in _expired)
            {
                _learned.Remove(address.Key);
                _counts.AddressesExpired++;
                changes.SnapshotChanged = true;
                if (address.IsShadowed || !_plan.TryGetValue(address.HostPrefix, out var decision))
                {
                    continue;
                }

                if (_staticRoutes.TryGetValue(address.HostPrefix, out var staticDecision))
                {
                    // A prefix entry names the same host: its route stays (with its own decision).
                    if (staticDecision != decision)
                    {
                        _plan[address.HostPrefix] = staticDecision;
                        changes.Add(new PlannedRoute(address.HostPrefix, staticDecision));
                    }

                    continue;
                }

                _plan.Remove(address.HostPrefix);
                changes.Remove(new PlannedRoute(address.HostPrefix, decision));
            }

            _expired.Clear();
            _nextDeadline = next;
            return Complete(ref changes);
        }
    }

    private static TimeSpan? Earlier(TimeSpan? a, TimeSpan b) => a is { } value && value <= b ? value : b;
}
