using System.Net;

namespace Tunnel.Routing;

/// <summary>An address learned from DNS answers, as <c>tunnelctl routes</c> lists it.</summary>
/// <param name="Address">The address (a host route).</param>
/// <param name="Decision">Where its traffic goes.</param>
/// <param name="Claims">The names whose answers hold it, with their rules and expiries; empty when only a flow keeps it.</param>
/// <param name="LastActivity">When a flow last used it, on the router's clock; <see langword="null"/> when never reported.</param>
/// <param name="IsShadowed">Whether a system entry deciding otherwise contains it, so it is not installed.</param>
public sealed record LearnedRoute(IPAddress Address, RouteDecision Decision, IReadOnlyList<LearnedRouteClaim> Claims, TimeSpan? LastActivity, bool IsShadowed);
