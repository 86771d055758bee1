using System.Net;

namespace Tunnel.Platform.Internal;

/// <summary>The routes <see cref="SingleTableRouteSet{TRoute}"/> needs beyond a connection's: around the tunnel, and refusing.</summary>
/// <typeparam name="TRoute">The OS's description of a route.</typeparam>
internal interface ISingleTableRoutes<TRoute> : IInterfaceRoutes<TRoute>
    where TRoute : struct
{
    /// <summary>
    /// A route to <paramref name="destination"/> around the tunnel: through the route the system had to the rest of
    /// the Internet when this object was made (the physical default route), so it outranks a full tunnel's halves.
    /// </summary>
    /// <exception cref="IOException">The system has no route outside the tunnel for that family.</exception>
    TRoute Direct(IPNetwork destination);
}
