using System.Net;
using Tunnel.Core.Routing.Internal;

namespace Tunnel.Routing.Internal;

/// <summary>A learned address and the names that claim it. Mutated only under the router's lock, except <see cref="LastActivityTicks"/>.</summary>
internal sealed class LearnedAddress(PrefixKey key)
{
    /// <summary>No flow reported yet.</summary>
    internal const long NeverActive = long.MinValue;

    internal PrefixKey Key { get; } = key;

    internal IPNetwork HostPrefix { get; } = key.ToNetwork();

    /// <summary>
    /// The claims by name (each <see cref="LearnedName"/> is the router's one instance for its name, so the
    /// key compares by reference): a renewed answer finds its claim in constant time, however many names
    /// share the address, rather than by a scan under the router's lock.
    /// </summary>
    internal Dictionary<LearnedName, LearnedClaim> Claims { get; } = new(1, ReferenceEqualityComparer.Instance);

    /// <summary>Written by the data path without the lock (an aligned 64-bit store is atomic), read under it.</summary>
    internal long LastActivityTicks;

    internal bool IsShadowed { get; set; }

    /// <summary>Any one claim (the first still held, in the order they came), or <see langword="null"/> when none is.</summary>
    internal LearnedClaim? FirstClaim
    {
        get
        {
            foreach (var claim in Claims.Values)
            {
                return claim;
            }

            return null;
        }
    }

    internal TimeSpan LatestExpiry()
    {
        TimeSpan latest = TimeSpan.MinValue;
        foreach (var claim in Claims.Values)
        {
            latest = claim.Expires > latest ? claim.Expires : latest;
        }

        return latest;
    }
}

/// <summary>One name's claim on a learned address, renewed in place.</summary>
internal sealed class LearnedClaim(LearnedName name, SplitTunnelRule rule, TimeSpan expires)
{
    internal LearnedName Name { get; } = name;

    internal SplitTunnelRule Rule { get; set; } = rule;

    internal TimeSpan Expires { get; set; } = expires;
}

/// <summary>A name that claims addresses, shared by its claims so its count is kept in one place.</summary>
internal sealed class LearnedName(string name)
{
    internal string Name { get; } = name;

    internal int AddressCount { get; set; }
}
