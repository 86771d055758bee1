using System.Net;
using Tunnel.Core;
using Tunnel.Core.Routing;
using Tunnel.Core.Routing.Internal;
using Tunnel.Routing.Internal;

namespace Tunnel.Routing;

/// <summary>
/// The split-tunnel router's state, sans-IO: a <see cref="SplitTunnelPolicy"/>, the addresses learned from
/// DNS answers for names its domain rules match, and the route set both imply. Every change returns the
/// <see cref="RouteSetChange"/> the system's routes must go through; time is an argument, and
/// <see cref="NextDeadline"/> says when <see cref="HandleTimeout"/> should next run to expire addresses.
/// </summary>
/// <remarks>
/// Changes are serialised by a lock. <see cref="Decide"/>, <see cref="Explain(IPAddress)"/> and
/// <see cref="ReportActivity"/> read an immutable snapshot swapped whole after each change, so the data
/// path takes no lock and allocates nothing.
/// </remarks>
public sealed partial class SplitTunnelRouter
{
    private readonly Lock _gate = new();
    private readonly LearnedRouteOptions _options;
    private readonly Dictionary<PrefixKey, LearnedAddress> _learned = [];
    private readonly Dictionary<string, LearnedName> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<IPNetwork, RouteDecision> _plan = [];
    private readonly List<LearnedAddress> _recent = [];
    private Dictionary<IPNetwork, RouteDecision> _staticRoutes = [];
    private volatile Snapshot _snapshot;
    private Counts _counts;
    private TimeSpan? _nextDeadline;

    /// <summary>Starts a router with no learned addresses.</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="options">Lifetimes and limits of learned addresses; defaults when <see langword="null"/>.</param>
    public SplitTunnelRouter(SplitTunnelPolicy policy, LearnedRouteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _options = options ?? new LearnedRouteOptions();
        _options.Validate();
        _snapshot = new Snapshot(policy, CidrTable<LearnedAddress>.Empty, CidrTable<LearnedAddress>.Empty);
        foreach (var route in policy.GetRoutes())
        {
            _staticRoutes[route.Destination] = route.Decision;
            _plan[route.Destination] = route.Decision;
        }
    }

    /// <summary>The current policy.</summary>
    public SplitTunnelPolicy Policy => _snapshot.Policy;

    /// <summary>The lifetimes and limits of learned addresses.</summary>
    public LearnedRouteOptions Options => _options;

    /// <summary>What has been learned and dropped so far.</summary>
    public SplitTunnelStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new SplitTunnelStatistics
                {
                    ResponsesInspected = _counts.ResponsesInspected,
                    ResponsesMatched = _counts.ResponsesMatched,
                    TruncatedResponses = _counts.TruncatedResponses,
                    MalformedResponses = _counts.MalformedResponses,
                    AddressesLearned = _counts.AddressesLearned,
                    AddressesRefreshed = _counts.AddressesRefreshed,
                    AddressesExpired = _counts.AddressesExpired,
                    AddressesShadowed = _counts.AddressesShadowed,
                    DroppedOverNameLimit = _counts.DroppedOverNameLimit,
                    DroppedOverTotalLimit = _counts.DroppedOverTotalLimit,
                    DroppedOverClaimLimit = _counts.DroppedOverClaimLimit,
                    LearnedAddresses = _learned.Count,
                    LearnedNames = _names.Count,
                };
            }
        }
    }

    /// <summary>Where traffic to an address goes: the data path's question, without allocation or lock.</summary>
    /// <param name="address">4 or 16 bytes in network order.</param>
    /// <returns>The decision by the precedence system, learned (domain), prefix, default.</returns>
    public RouteDecision Decide(ReadOnlySpan<byte> address)
    {
        var snapshot = _snapshot;
        var policy = snapshot.Policy;
        if (policy.TryMatchSystem(address, out var system))
        {
            return system.SystemDecision!.Value;
        }

        if (snapshot.TryLookupLearned(address, out _) || policy.TryMatchPrefix(address, out _))
        {
            return policy.EntryDecision;
        }

        return policy.DefaultDecision;
    }

    /// <summary>Where traffic to an address goes, and the rule that decided it.</summary>
    /// <param name="address">The destination.</param>
    /// <returns>The explanation.</returns>
    public RouteExplanation Explain(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written))
        {
            throw new ArgumentException("Only IPv4 and IPv6 addresses can be explained.", nameof(address));
        }

        var snapshot = _snapshot;
        var policy = snapshot.Policy;
        bool inSystem = policy.TryMatchSystem(bytes[..written], out var system);
        if (inSystem && snapshot.TryLookupLearned(bytes[..written], out var shadowed) && system.SystemDecision != policy.EntryDecision)
        {
            return ExplainConflict(address, policy, system, shadowed);
        }

        if (!inSystem && snapshot.TryLookupLearned(bytes[..written], out var learned))
        {
            lock (_gate)
            {
                if (learned.FirstClaim is { } claim)
                {
                    var names = learned.Claims.Values.Select(c => c.Name.Name).ToArray();
                    return new RouteExplanation(address.ToString(), policy.EntryDecision, RouteRuleSource.LearnedAddress, claim.Rule, policy.Mode, $"{address} was learned from the answer for {claim.Name.Name}, which matches {claim.Rule.Domain}")
                    {
                        LearnedFrom = names,
                        Expires = learned.LatestExpiry() + _options.GracePeriod,
                    };
                }

                return new RouteExplanation(address.ToString(), policy.EntryDecision, RouteRuleSource.LearnedAddress, null, policy.Mode, $"{address} was learned from DNS; its answers have expired but a flow still uses it");
            }
        }

        return policy.ExplainStatic(address.ToString(), bytes[..written]);
    }

    /// <summary>A learned address inside a system entry that decides otherwise: the system entry wins, and the explanation says what it overrode.</summary>
    private RouteExplanation ExplainConflict(IPAddress address, SplitTunnelPolicy policy, SplitTunnelRule system, LearnedAddress learned)
    {
        string names;
        string[] learnedFrom;
        lock (_gate)
        {
            names = string.Join(", ", learned.Claims.Values.Select(c => $"{c.Name.Name} ({c.Rule.Domain})"));
            learnedFrom = [.. learned.Claims.Values.Select(c => c.Name.Name)];
        }

        string learnedWay = policy.EntryDecision == RouteDecision.Tunnel ? "through the tunnel" : "direct";
        string reason = names.Length == 0
            ? $"{address} is in the system entry {system.Prefix} ({system.Description}); it was also learned from DNS, which would send it {learnedWay}, but a system entry comes first"
            : $"{address} is in the system entry {system.Prefix} ({system.Description}); the answer for {names} would send it {learnedWay}, but a system entry comes first";
        return new RouteExplanation(address.ToString(), system.SystemDecision!.Value, RouteRuleSource.System, system, policy.Mode, reason)
        {
            LearnedFrom = learnedFrom,
        };
    }

    /// <summary>Where traffic to a name (or an address written as text) goes, and the rule that decided it.</summary>
    /// <param name="destination">A host name or an address.</param>
    /// <returns>The explanation.</returns>
    public RouteExplanation Explain(string destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return IPAddress.TryParse(destination, out var address) ? Explain(address) : Policy.Explain(destination);
    }

    /// <summary>The whole route set the system should have now: the policy's static routes and the learned host routes.</summary>
    /// <returns>A new list, IPv4 before IPv6.</returns>
    public IReadOnlyList<PlannedRoute> GetRoutes()
    {
        lock (_gate)
        {
            return RouteOrder.Sort(_plan.Select(r => new PlannedRoute(r.Key, r.Value)));
        }
    }

    /// <summary>Every learned address with its claims.</summary>
    /// <returns>A new list, ordered by address.</returns>
    public IReadOnlyList<LearnedRoute> GetLearnedRoutes()
    {
        lock (_gate)
        {
            var decision = Policy.EntryDecision;
            return _learned.Values
                .OrderBy(a => a.Key.IsIPv6)
                .ThenBy(a => a.Key.Bits)
                .Select(a => new LearnedRoute(
                    a.HostPrefix.BaseAddress,
                    decision,
                    a.Claims.Values.Select(c => new LearnedRouteClaim(c.Name.Name, c.Rule, c.Expires)).ToArray(),
                    a.LastActivityTicks == LearnedAddress.NeverActive ? null : TimeSpan.FromTicks(Volatile.Read(ref a.LastActivityTicks)),
                    a.IsShadowed))
                .ToArray();
        }
    }

    /// <summary>
    /// Replaces the policy. Learned addresses are kept while a domain rule of the new policy still matches
    /// a name that claims them; the others are removed at once (an operator who removes a rule wants its
    /// traffic back now). A changed mode flips every entry's routes.
    /// </summary>
    /// <param name="policy">The new policy.</param>
    /// <returns>The change the system's routes must go through.</returns>
    public RouteSetChange SetPolicy(SplitTunnelPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_gate)
        {
            Span<byte> name = stackalloc byte[DomainName.MaxLength];
            foreach (var address in _learned.Values.ToArray())
            {
                foreach (var claim in address.Claims.Values)
                {
                    int length = System.Text.Encoding.ASCII.GetBytes(claim.Name.Name, name);
                    if (policy.TryMatchDomain(name[..length], out var rule))
                    {
                        claim.Rule = rule;
                    }
                    else
                    {
                        RemoveClaim(address, claim.Name);
                    }
                }

                if (address.Claims.Count == 0)
                {
                    _learned.Remove(address.Key);
                }
            }

            var desired = new Dictionary<IPNetwork, RouteDecision>();
            foreach (var route in policy.GetRoutes())
            {
                desired[route.Destination] = route.Decision;
            }

            _staticRoutes = new Dictionary<IPNetwork, RouteDecision>(desired);
            foreach (var address in _learned.Values)
            {
                address.IsShadowed = policy.IsShadowedBySystem(address.HostPrefix, policy.EntryDecision);
                if (!address.IsShadowed && !desired.ContainsKey(address.HostPrefix))
                {
                    desired[address.HostPrefix] = policy.EntryDecision;
                }
            }

            var added = new List<PlannedRoute>();
            var removed = new List<PlannedRoute>();
            foreach (var (prefix, decision) in desired)
            {
                if (!_plan.TryGetValue(prefix, out var current) || current != decision)
                {
                    added.Add(new PlannedRoute(prefix, decision));
                }
            }

            foreach (var (prefix, decision) in _plan)
            {
                if (!desired.ContainsKey(prefix))
                {
                    removed.Add(new PlannedRoute(prefix, decision));
                }
            }

            _plan.Clear();
            foreach (var (prefix, decision) in desired)
            {
                _plan[prefix] = decision;
            }

            Publish(policy);
            return added.Count == 0 && removed.Count == 0 ? RouteSetChange.None : new RouteSetChange(added, removed);
        }
    }

    /// <summary>Publishes every learned address in one table: after removals and policy changes.</summary>
    private void Publish(SplitTunnelPolicy policy)
    {
        var builder = new CidrTableBuilder<LearnedAddress>();
        foreach (var address in _learned.Values)
        {
            builder.Set(address.HostPrefix, address);
        }

        _recent.Clear();
        _snapshot = new Snapshot(policy, builder.ToTable(), CidrTable<LearnedAddress>.Empty);
    }

    /// <summary>
    /// Publishes newly learned addresses in a small table beside the big one, rebuilt alone, and folds it
    /// into the big one only when it has grown to about the square root of the whole: a flood of answers with
    /// new addresses then costs each answer a rebuild of some hundred entries, not of every learned address
    /// (which made a flood quadratic under the lock).
    /// </summary>
    private void PublishRecent()
    {
        if (_recent.Count > Math.Max(32, 2 * (int)Math.Sqrt(_learned.Count)))
        {
            Publish(_snapshot.Policy);
            return;
        }

        var builder = new CidrTableBuilder<LearnedAddress>();
        foreach (var address in _recent)
        {
            builder.Set(address.HostPrefix, address);
        }

        _snapshot = _snapshot with { Recent = builder.ToTable() };
    }

    private sealed record Snapshot(SplitTunnelPolicy Policy, CidrTable<LearnedAddress> Learned, CidrTable<LearnedAddress> Recent)
    {
        /// <summary>A learned address: in the recent table, else in the big one. Allocation-free and lock-free.</summary>
        internal bool TryLookupLearned(ReadOnlySpan<byte> address, out LearnedAddress learned) =>
            Recent.TryLookup(address, out learned) || Learned.TryLookup(address, out learned);
    }

    /// <summary>The statistics' counters, written under the lock.</summary>
    private struct Counts
    {
        public long ResponsesInspected, ResponsesMatched, TruncatedResponses, MalformedResponses, AddressesLearned,
            AddressesRefreshed, AddressesExpired, AddressesShadowed, DroppedOverNameLimit, DroppedOverTotalLimit, DroppedOverClaimLimit;
    }
}
