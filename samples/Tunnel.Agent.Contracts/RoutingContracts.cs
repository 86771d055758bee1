namespace Tunnel.LocalApi;

/// <summary>One learned address in <c>GET /v1/routes</c>.</summary>
/// <param name="Decision"><c>tunnel</c> or <c>direct</c>.</param>
/// <param name="Names">The names whose answers claim it, with their rules.</param>
/// <param name="ExpiresInSeconds">Until the last claim's TTL (grace not included) passes.</param>
/// <param name="LastActivitySecondsAgo">Since a flow last used it; null when none was seen.</param>
/// <param name="Address">The learned address.</param>
/// <param name="Shadowed">Whether a system entry overrides it, so no route was installed.</param>
internal sealed record LearnedRouteEntry(string Address, string Decision, IReadOnlyList<LearnedRouteName> Names, double ExpiresInSeconds, double? LastActivitySecondsAgo, bool Shadowed);

/// <summary>A name claiming a learned address, and the rule that matched it.</summary>
/// <param name="Name">The name.</param>
/// <param name="Rule">The rule it matched.</param>
/// <param name="ExpiresInSeconds">Until its TTL passes.</param>
internal sealed record LearnedRouteName(string Name, string Rule, double ExpiresInSeconds);

/// <summary><c>GET /v1/explain?target=ADDRESS-OR-NAME</c>.</summary>
/// <param name="Source"><c>system</c>, <c>domain</c>, <c>prefix</c>, <c>learned</c> or <c>default</c>.</param>
/// <param name="Target">What was asked about.</param>
/// <param name="Decision"><c>tunnel</c> or <c>direct</c>.</param>
/// <param name="Rule">The entry that decided, if any.</param>
/// <param name="Description">That entry's description.</param>
/// <param name="Mode"><c>exclude</c> or <c>include</c>.</param>
/// <param name="LearnedFrom">For a learned address, the names it was learned from.</param>
/// <param name="ExpiresInSeconds">For a learned address, until its last claim expires.</param>
/// <param name="Reason">One sentence for people.</param>
internal sealed record ExplainResponse(string Target, string Decision, string Source, string? Rule, string? Description, string Mode, IReadOnlyList<string> LearnedFrom, double? ExpiresInSeconds, string Reason);
