using System.Net;

namespace Tunnel.Core.Routing.Internal;

/// <summary>A learned address and the names that claim it. Mutated only under the router's lock, except <see cref="LastActivityTicks"/>.</summary>
internal sealed class LearnedAddress(PrefixKey key)
{
    /// <summary>No flow reported yet.</summary>
    internal const long NeverActive = long.MinValue;

    internal PrefixKey Key { get; } = key;

    internal IPNetwork HostPrefix { get; } = key.ToNetwork();

    internal List<LearnedClaim> Claims { get; } = new(1);

    /// <summary>Written by the data path without the lock (an aligned 64-bit store is atomic), read under it.</summary>
    internal long LastActivityTicks;

    internal bool IsShadowed { get; set; }

    internal TimeSpan LatestExpiry()
    {
        TimeSpan latest = TimeSpan.MinValue;
        foreach (var claim in Claims)
        {
            latest = claim.Expires > latest ? claim.Expires : latest;
        }

        return latest;
    }
}

/// <summary>One name's claim on a learned address.</summary>
internal struct LearnedClaim(LearnedName name, SplitTunnelRule rule, TimeSpan expires)
{
    internal LearnedName Name = name;
    internal SplitTunnelRule Rule = rule;
    internal TimeSpan Expires = expires;
}

/// <summary>A name that claims addresses, shared by its claims so its count is kept in one place.</summary>
internal sealed class LearnedName(string name)
{
    internal string Name { get; } = name;

    internal int AddressCount { get; set; }
}
