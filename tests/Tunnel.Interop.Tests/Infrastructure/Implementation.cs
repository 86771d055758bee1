namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>Which daemon runs a side of the lab.</summary>
public enum Implementation
{
    /// <summary>Our tunnel-agent.</summary>
    Tunnel,

    /// <summary>The Debian wireguard-go package.</summary>
    WireGuardGo,
}
