namespace Tunnel.Routing;

/// <summary>One name's hold on a learned address.</summary>
/// <param name="Name">The name that was queried (a CNAME chain is attributed to it).</param>
/// <param name="Rule">The domain rule that matched the name or a name of its chain.</param>
/// <param name="Expires">When the answer's TTL ends, on the router's clock; the grace period comes after.</param>
public sealed record LearnedRouteClaim(string Name, SplitTunnelRule Rule, TimeSpan Expires);
