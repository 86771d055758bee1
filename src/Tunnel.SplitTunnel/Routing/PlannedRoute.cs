using System.Net;

namespace Tunnel.Routing;

/// <summary>One route of the set a router wants the system to have: a destination and where it goes.</summary>
/// <param name="Destination">The prefix; a learned address is a host prefix (/32 or /128).</param>
/// <param name="Decision">Through the tunnel, or around it.</param>
public readonly record struct PlannedRoute(IPNetwork Destination, RouteDecision Decision)
{
    /// <summary>The route as <c>ip route</c> would describe it: <c>10.0.0.0/8 tunnel</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Destination} {(Decision == RouteDecision.Tunnel ? "tunnel" : "direct")}";
}
