namespace Tunnel.Routing;

/// <summary>What a <see cref="SplitTunnelRouter"/> has learned and dropped since it started.</summary>
public readonly record struct SplitTunnelStatistics
{
    /// <summary>DNS responses read.</summary>
    public long ResponsesInspected { get; init; }

    /// <summary>Responses whose question or CNAME chain a domain rule matched.</summary>
    public long ResponsesMatched { get; init; }

    /// <summary>Responses with the TC bit, never learned from (the client retries over TCP).</summary>
    public long TruncatedResponses { get; init; }

    /// <summary>Messages handed in that could not be parsed, or were queries rather than responses.</summary>
    public long MalformedResponses { get; init; }

    /// <summary>Addresses learned for the first time (or again after they were removed).</summary>
    public long AddressesLearned { get; init; }

    /// <summary>Answers that renewed an address a name already claimed.</summary>
    public long AddressesRefreshed { get; init; }

    /// <summary>Addresses removed after their claims expired and no flow used them.</summary>
    public long AddressesExpired { get; init; }

    /// <summary>Answers for addresses inside a system entry that decides otherwise (not installed).</summary>
    public long AddressesShadowed { get; init; }

    /// <summary>Addresses dropped because their name already claimed <see cref="LearnedRouteOptions.MaxAddressesPerName"/>.</summary>
    public long DroppedOverNameLimit { get; init; }

    /// <summary>Addresses dropped because the table held <see cref="LearnedRouteOptions.MaxRoutes"/>.</summary>
    public long DroppedOverTotalLimit { get; init; }

    /// <summary>Claims dropped because their address already had <see cref="LearnedRouteOptions.MaxClaimsPerAddress"/> names claiming it.</summary>
    public long DroppedOverClaimLimit { get; init; }

    /// <summary>Learned addresses now held.</summary>
    public int LearnedAddresses { get; init; }

    /// <summary>Names now claiming at least one address.</summary>
    public int LearnedNames { get; init; }
}
