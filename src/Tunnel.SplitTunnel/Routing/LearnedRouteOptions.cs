namespace Tunnel.Routing;

/// <summary>How long addresses learned from DNS answers live, and how many there may be.</summary>
public sealed record LearnedRouteOptions
{
    /// <summary>
    /// Answers with a shorter TTL are kept this long, so a name answered with TTL 0 or 5 s (common behind
    /// load balancers) does not add and remove a kernel route on every query. Default 30 s.
    /// </summary>
    public TimeSpan MinimumTimeToLive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Answers with a longer TTL are kept at most this long. Default 1 day.</summary>
    public TimeSpan MaximumTimeToLive { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long past its TTL a claim still holds: applications and stub resolvers keep answers somewhat
    /// past their TTL, and a connection opened just before expiry must not lose its route. Default 2 min.
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>An address whose claims have all expired stays while a flow used it within this time. Default 5 min.</summary>
    public TimeSpan ActivityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The most addresses one name may claim; more are dropped and counted. Default 64.</summary>
    public int MaxAddressesPerName { get; init; } = 64;

    /// <summary>The most learned addresses in all; more are dropped and counted. Default 16,384.</summary>
    public int MaxRoutes { get; init; } = 16_384;

    /// <summary>
    /// The most names that may claim one address; more are dropped and counted. Many names share a CDN
    /// address legitimately, but without a bound an answer flood for one address grows its claims without
    /// limit. Default 64.
    /// </summary>
    public int MaxClaimsPerAddress { get; init; } = 64;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumTimeToLive, TimeSpan.Zero, nameof(MinimumTimeToLive));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumTimeToLive, MinimumTimeToLive, nameof(MaximumTimeToLive));
        ArgumentOutOfRangeException.ThrowIfLessThan(GracePeriod, TimeSpan.Zero, nameof(GracePeriod));
        ArgumentOutOfRangeException.ThrowIfLessThan(ActivityTimeout, TimeSpan.Zero, nameof(ActivityTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAddressesPerName, 1, nameof(MaxAddressesPerName));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRoutes, 1, nameof(MaxRoutes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxClaimsPerAddress, 1, nameof(MaxClaimsPerAddress));
    }
}
