using System.Net;
using System.Text;
using Tunnel.Core;
using Tunnel.Core.Routing.Internal;
using Tunnel.Routing.Internal;

namespace Tunnel.Routing;

public sealed partial class SplitTunnelRouter
{
    /// <summary>
    /// Learns that <paramref name="name"/> resolves to <paramref name="address"/>, when a domain rule matches
    /// the name: the address is routed by that rule until its TTL and the grace period have passed, no
    /// other name claims it, and no flow uses it.
    /// </summary>
    /// <param name="name">The name that was queried.</param>
    /// <param name="address">An address of its answer.</param>
    /// <param name="timeToLive">The answer's TTL (clamped to the options' bounds).</param>
    /// <param name="now">The current time on the router's clock.</param>
    /// <returns>The change the system's routes must go through (empty when the name matches no rule or the address was known).</returns>
    public RouteSetChange Learn(string name, IPAddress address, TimeSpan timeToLive, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(address);
        if (!DomainName.TryNormalize(name, out string normalized, out _))
        {
            return RouteSetChange.None;
        }

        Span<byte> nameBytes = stackalloc byte[DomainName.MaxLength];
        int nameLength = Encoding.ASCII.GetBytes(normalized, nameBytes);
        if (!Policy.TryMatchDomain(nameBytes[..nameLength], out var rule))
        {
            return RouteSetChange.None;
        }

        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        Span<byte> addressBytes = stackalloc byte[16];
        if (!address.TryWriteBytes(addressBytes, out int addressLength))
        {
            throw new ArgumentException("Only IPv4 and IPv6 addresses can be learned.", nameof(address));
        }

        lock (_gate)
        {
            var changes = default(ChangeCollector);
            _ = LearnAddress(nameBytes[..nameLength], rule, addressBytes[..addressLength], timeToLive, now, ref changes);
            return Complete(ref changes);
        }
    }

    /// <summary>
    /// Adds or renews one claim. Call under the lock; <paramref name="name"/> is canonical (lower-case ASCII,
    /// no trailing dot). Returns <see langword="false"/> when a limit refused it (counted): the address then
    /// does not route by the rule, and the caller must not release the answer as if it did.
    /// </summary>
    private bool LearnAddress(ReadOnlySpan<byte> name, SplitTunnelRule rule, ReadOnlySpan<byte> address, TimeSpan timeToLive, TimeSpan now, ref ChangeCollector changes)
    {
        timeToLive = timeToLive < _options.MinimumTimeToLive ? _options.MinimumTimeToLive
            : timeToLive > _options.MaximumTimeToLive ? _options.MaximumTimeToLive
            : timeToLive;
        TimeSpan expires = now + timeToLive;
        var key = PrefixKey.FromAddress(address);
        if (_learned.TryGetValue(key, out var known))
        {
            var claims = known.Claims;
            var existing = FindName(name);
            if (existing is not null && claims.TryGetValue(existing, out var claim))
            {
                claim.Expires = expires > claim.Expires ? expires : claim.Expires;
                claim.Rule = rule;
                _counts.AddressesRefreshed++;
                ScheduleAt(claim.Expires + _options.GracePeriod);
                return true;
            }

            if (claims.Count >= _options.MaxClaimsPerAddress)
            {
                _counts.DroppedOverClaimLimit++;
                return false;
            }

            var other = existing ?? GetOrAddName(name);
            if (other.AddressCount >= _options.MaxAddressesPerName)
            {
                _counts.DroppedOverNameLimit++;
                ForgetIfUnused(other);
                return false;
            }

            claims.Add(other, new LearnedClaim(other, rule, expires));
            other.AddressCount++;
            _counts.AddressesRefreshed++;
            ScheduleAt(expires + _options.GracePeriod);
            return true;
        }

        if (_learned.Count >= _options.MaxRoutes)
        {
            _counts.DroppedOverTotalLimit++;
            return false;
        }

        var owner = GetOrAddName(name);
        if (owner.AddressCount >= _options.MaxAddressesPerName)
        {
            _counts.DroppedOverNameLimit++;
            ForgetIfUnused(owner);
            return false;
        }

        var learned = new LearnedAddress(key) { LastActivityTicks = LearnedAddress.NeverActive };
        learned.Claims.Add(owner, new LearnedClaim(owner, rule, expires));
        owner.AddressCount++;
        _learned.Add(key, learned);
        _recent.Add(learned);
        _counts.AddressesLearned++;
        changes.RecentChanged = true;
        ScheduleAt(expires + _options.GracePeriod);

        // A learned address never overrides a system entry that decides otherwise (the tunnel's gateway, a
        // DNS server): it is kept, so explain can name the conflict, but its route is not installed. User
        // prefix entries always decide as a learned address does (both are the mode's entry decision).
        var policy = _snapshot.Policy;
        learned.IsShadowed = policy.IsShadowedBySystem(learned.HostPrefix, policy.EntryDecision);
        if (learned.IsShadowed)
        {
            _counts.AddressesShadowed++;
        }
        else if (!_plan.TryGetValue(learned.HostPrefix, out var current) || current != policy.EntryDecision)
        {
            _plan[learned.HostPrefix] = policy.EntryDecision;
            changes.Add(new PlannedRoute(learned.HostPrefix, policy.EntryDecision));
        }

        return true;
    }

    /// <summary>
    /// Forgets the learned addresses whose routes <paramref name="failed"/> would have installed, when the
    /// system refused it: the next answer for them learns and installs them again, instead of finding them
    /// known and being released with no route behind it.
    /// </summary>
    /// <param name="failed">A change <see cref="Learn(ReadOnlySpan{byte}, TimeSpan)"/> returned that could not be applied.</param>
    /// <returns>The change that takes back whatever part of <paramref name="failed"/> the system may have applied before it failed.</returns>
    public RouteSetChange Forget(RouteSetChange failed)
    {
        ArgumentNullException.ThrowIfNull(failed);
        lock (_gate)
        {
            var changes = default(ChangeCollector);
            Span<byte> bytes = stackalloc byte[16];
            foreach (var route in failed.Added)
            {
                if (!route.Destination.BaseAddress.TryWriteBytes(bytes, out int written)
                    || route.Destination.PrefixLength != written * 8
                    || !_learned.Remove(PrefixKey.FromAddress(bytes[..written]), out var address))
                {
                    continue;
                }

                foreach (var claim in address.Claims.Values)
                {
                    RemoveClaim(address, claim.Name);
                }

                changes.SnapshotChanged = true;
                if (address.IsShadowed || !_plan.TryGetValue(address.HostPrefix, out var decision))
                {
                    continue;
                }

                if (_staticRoutes.TryGetValue(address.HostPrefix, out var staticDecision))
                {
                    _plan[address.HostPrefix] = staticDecision;
                    changes.Add(new PlannedRoute(address.HostPrefix, staticDecision));
                }
                else
                {
                    _plan.Remove(address.HostPrefix);
                    changes.Remove(new PlannedRoute(address.HostPrefix, decision));
                }
            }

            return Complete(ref changes);
        }
    }

    private LearnedName? FindName(ReadOnlySpan<byte> name)
    {
        Span<char> chars = stackalloc char[DomainName.MaxLength];
        Ascii.ToUtf16(name, chars, out int length);
        return _names.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..length], out var entry) ? entry : null;
    }

    private LearnedName GetOrAddName(ReadOnlySpan<byte> name)
    {
        if (FindName(name) is { } entry)
        {
            return entry;
        }

        entry = new LearnedName(Encoding.ASCII.GetString(name));
        _names.Add(entry.Name, entry);
        return entry;
    }

    private void ForgetIfUnused(LearnedName name)
    {
        if (name.AddressCount == 0)
        {
            _names.Remove(name.Name);
        }
    }

    private void RemoveClaim(LearnedAddress address, LearnedName name)
    {
        address.Claims.Remove(name);
        if (--name.AddressCount == 0)
        {
            _names.Remove(name.Name);
        }
    }

    private void ScheduleAt(TimeSpan deadline)
    {
        if (_nextDeadline is not { } next || deadline < next)
        {
            _nextDeadline = deadline;
        }
    }

    private RouteSetChange Complete(ref ChangeCollector changes)
    {
        if (changes.SnapshotChanged)
        {
            Publish(_snapshot.Policy);
        }
        else if (changes.RecentChanged)
        {
            PublishRecent();
        }

        return changes.ToChange();
    }

    /// <summary>Collects a change without allocating when there is none (the steady state of refreshed answers).</summary>
    private struct ChangeCollector
    {
        private List<PlannedRoute>? _added;
        private List<PlannedRoute>? _removed;

        /// <summary>Learned addresses were removed: the whole snapshot is rebuilt.</summary>
        internal bool SnapshotChanged;

        /// <summary>Learned addresses were only added: the small table of recent ones is rebuilt.</summary>
        internal bool RecentChanged;

        internal void Add(PlannedRoute route) => (_added ??= []).Add(route);

        internal void Remove(PlannedRoute route) => (_removed ??= []).Add(route);

        internal readonly RouteSetChange ToChange() =>
            _added is null && _removed is null ? RouteSetChange.None : new RouteSetChange(_added ?? [], _removed ?? []);
    }
}
