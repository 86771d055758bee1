using System.Net;
using Tunnel.Core.Routing;

namespace Tunnel.Routing;

/// <summary>
/// An immutable split-tunnel policy: a mode and its entries, compiled into lookup tables. Decisions follow
/// one precedence: system entries, then domain rules (for a name, or for an address learned from a name),
/// then prefix rules (longest prefix), then the mode's default. Change a policy by making a new one
/// (<see cref="WithMode"/>, <see cref="WithRule"/>, <see cref="WithoutRule"/>) and handing it to
/// <see cref="SplitTunnelRouter.SetPolicy"/>; readers holding the old one are unaffected.
/// </summary>
public sealed class SplitTunnelPolicy
{
    private readonly CidrTable<SplitTunnelRule> _system;
    private readonly CidrTable<SplitTunnelRule> _prefixes;
    private readonly DomainTable<SplitTunnelRule> _domains;

    /// <summary>Compiles a policy.</summary>
    /// <param name="mode">What the user entries mean.</param>
    /// <param name="rules">User and system entries. Use <see cref="SplitTunnelRule.LinkLocalAndMulticast"/> for the usual system entries.</param>
    /// <exception cref="ArgumentException">Two entries name the same prefix or pattern.</exception>
    public SplitTunnelPolicy(SplitTunnelMode mode, IEnumerable<SplitTunnelRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a split-tunnel mode.");
        }

        Mode = mode;
        Rules = rules.ToArray();
        var system = new CidrTableBuilder<SplitTunnelRule>();
        var prefixes = new CidrTableBuilder<SplitTunnelRule>();
        var domains = new DomainTableBuilder<SplitTunnelRule>();
        foreach (var rule in Rules)
        {
            ArgumentNullException.ThrowIfNull(rule, nameof(rules));
            if (rule.Domain is { } pattern)
            {
                if (domains.TryGetValue(pattern, out _))
                {
                    throw new ArgumentException($"The domain {pattern} is listed twice.", nameof(rules));
                }

                domains.Set(pattern, rule);
                continue;
            }

            var table = rule.IsSystem ? system : prefixes;
            if (table.TryGetValue(rule.Prefix!.Value, out _))
            {
                throw new ArgumentException($"The {(rule.IsSystem ? "system " : string.Empty)}prefix {rule.Prefix} is listed twice.", nameof(rules));
            }

            table.Set(rule.Prefix.Value, rule);
        }

        _system = system.ToTable();
        _prefixes = prefixes.ToTable();
        _domains = domains.ToTable();
    }

    /// <summary>The default policy: exclude mode with no user entries and the link-local and multicast system entries.</summary>
    public static SplitTunnelPolicy Default { get; } = new(SplitTunnelMode.Exclude, SplitTunnelRule.LinkLocalAndMulticast);

    /// <summary>What the user entries mean.</summary>
    public SplitTunnelMode Mode { get; }

    /// <summary>Every entry, user and system, in the order given.</summary>
    public IReadOnlyList<SplitTunnelRule> Rules { get; }

    /// <summary>Where a destination matched by a user entry goes: direct in exclude mode, through the tunnel in include mode.</summary>
    public RouteDecision EntryDecision => Mode == SplitTunnelMode.Exclude ? RouteDecision.Direct : RouteDecision.Tunnel;

    /// <summary>Where a destination no entry matches goes.</summary>
    public RouteDecision DefaultDecision => Mode == SplitTunnelMode.Exclude ? RouteDecision.Tunnel : RouteDecision.Direct;

    /// <summary>Whether any domain rule exists (when none does, DNS answers need not be read).</summary>
    public bool HasDomainRules => _domains.Count > 0;

    /// <summary>Finds the most specific domain rule for a name as it sits in a DNS message.</summary>
    /// <param name="name">ASCII in dotted form, any case, with or without the trailing dot.</param>
    /// <param name="rule">The rule, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether a domain rule matches.</returns>
    public bool TryMatchDomain(ReadOnlySpan<byte> name, out SplitTunnelRule rule) => _domains.TryMatch(name, out _, out rule);

    /// <summary>Finds the system entry with the longest prefix containing an address.</summary>
    /// <param name="address">4 or 16 bytes in network order.</param>
    /// <param name="rule">The entry, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether a system entry contains the address.</returns>
    public bool TryMatchSystem(ReadOnlySpan<byte> address, out SplitTunnelRule rule) => _system.TryLookup(address, out rule);

    /// <summary>Finds the user prefix entry with the longest prefix containing an address.</summary>
    /// <param name="address">4 or 16 bytes in network order.</param>
    /// <param name="rule">The entry, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether a prefix entry contains the address.</returns>
    public bool TryMatchPrefix(ReadOnlySpan<byte> address, out SplitTunnelRule rule) => _prefixes.TryLookup(address, out rule);

    /// <summary>Where traffic to a name goes, and why: a domain rule, or the mode's default.</summary>
    /// <param name="name">A host name (any case, trailing dot, Unicode or punycode), or an address.</param>
    /// <returns>The decision and the rule that made it.</returns>
    /// <remarks>For an address this is the static part of <see cref="SplitTunnelRouter.Explain(IPAddress)"/>: it knows no learned addresses.</remarks>
    public RouteExplanation Explain(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (IPAddress.TryParse(name, out var address))
        {
            return Explain(address);
        }

        if (_domains.TryMatch(name.AsSpan(), out var pattern, out var rule))
        {
            return new RouteExplanation(name, EntryDecision, RouteRuleSource.Domain, rule, Mode, $"{name} matches {pattern}");
        }

        return new RouteExplanation(name, DefaultDecision, RouteRuleSource.ModeDefault, null, Mode, $"no domain rule matches {name}");
    }

    /// <summary>Where traffic to an address goes by the static entries, and why.</summary>
    /// <param name="address">The destination.</param>
    /// <returns>The decision and the rule that made it.</returns>
    public RouteExplanation Explain(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (!address.TryWriteBytes(bytes, out int written))
        {
            throw new ArgumentException("Only IPv4 and IPv6 addresses can be explained.", nameof(address));
        }

        return ExplainStatic(address.ToString(), bytes[..written]);
    }

    /// <summary>The static routes of this policy: system entries, prefix entries, and in exclude mode the default routes into the tunnel.</summary>
    /// <returns>A new list, IPv4 before IPv6.</returns>
    /// <remarks>
    /// A prefix entry inside a system entry that decides otherwise is left out: the system's longest-prefix
    /// match would let the narrower entry win, and system entries come first.
    /// </remarks>
    public IReadOnlyList<PlannedRoute> GetRoutes()
    {
        var routes = new Dictionary<IPNetwork, RouteDecision>();
        if (Mode == SplitTunnelMode.Exclude)
        {
            routes[IPNetwork.Parse("0.0.0.0/0")] = RouteDecision.Tunnel;
            routes[IPNetwork.Parse("::/0")] = RouteDecision.Tunnel;
        }

        foreach (var (prefix, rule) in _prefixes.GetEntries())
        {
            if (!IsShadowedBySystem(prefix, EntryDecision))
            {
                routes[prefix] = EntryDecision;
            }
        }

        foreach (var (prefix, rule) in _system.GetEntries())
        {
            routes[prefix] = rule.SystemDecision!.Value;
        }

        return Internal.RouteOrder.Sort(routes.Select(r => new PlannedRoute(r.Key, r.Value)));
    }

    /// <summary>This policy with another mode.</summary>
    /// <param name="mode">The mode.</param>
    /// <returns>A new policy.</returns>
    public SplitTunnelPolicy WithMode(SplitTunnelMode mode) => new(mode, Rules);

    /// <summary>This policy with one more entry, or with an entry for the same prefix or pattern replaced.</summary>
    /// <param name="rule">The entry.</param>
    /// <returns>A new policy.</returns>
    public SplitTunnelPolicy WithRule(SplitTunnelRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new(Mode, Rules.Where(r => !SameTarget(r, rule)).Append(rule));
    }

    /// <summary>This policy without the user entry for a prefix or pattern.</summary>
    /// <param name="entry">The prefix or pattern, as <see cref="SplitTunnelRule.Parse"/> reads it.</param>
    /// <param name="removed">Whether such a user entry existed.</param>
    /// <returns>A new policy (this one when nothing was removed).</returns>
    /// <remarks>System entries cannot be removed this way.</remarks>
    public SplitTunnelPolicy WithoutRule(string entry, out bool removed)
    {
        var target = SplitTunnelRule.Parse(entry);
        var kept = Rules.Where(r => r.IsSystem || !SameTarget(r, target)).ToArray();
        removed = kept.Length != Rules.Count;
        return removed ? new(Mode, kept) : this;
    }

    internal RouteExplanation ExplainStatic(string destination, ReadOnlySpan<byte> address)
    {
        if (_system.TryLookup(address, out var system))
        {
            return new RouteExplanation(destination, system.SystemDecision!.Value, RouteRuleSource.System, system, Mode, $"{destination} is in the system entry {system.Prefix} ({system.Description})");
        }

        if (_prefixes.TryLookup(address, out var prefix))
        {
            return new RouteExplanation(destination, EntryDecision, RouteRuleSource.Prefix, prefix, Mode, $"{destination} is in {prefix.Prefix}");
        }

        return new RouteExplanation(destination, DefaultDecision, RouteRuleSource.ModeDefault, null, Mode, $"no entry contains {destination}");
    }

    internal bool IsShadowedBySystem(IPNetwork prefix, RouteDecision decision)
    {
        Span<byte> bytes = stackalloc byte[16];
        prefix.BaseAddress.TryWriteBytes(bytes, out int written);
        return _system.TryLookupCovering(bytes[..written], prefix.PrefixLength, out var system) && system.SystemDecision != decision;
    }

    private static bool SameTarget(SplitTunnelRule a, SplitTunnelRule b) =>
        a.IsSystem == b.IsSystem && a.Prefix == b.Prefix && a.Domain == b.Domain;
}
