namespace Tunnel.Routing;

/// <summary>Where traffic to a destination goes.</summary>
public enum RouteDecision
{
    /// <summary>Through the tunnel.</summary>
    Tunnel,

    /// <summary>Around the tunnel, by the system's own routes.</summary>
    Direct,
}
