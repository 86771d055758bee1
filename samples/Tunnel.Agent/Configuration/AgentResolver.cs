namespace Tunnel.Agent.Configuration;

/// <summary>How the agent points the system resolver at its forwarder (<c>dns.resolver</c>).</summary>
internal enum AgentResolver
{
    /// <summary>systemd-resolved when it runs, else <c>/etc/resolv.conf</c>.</summary>
    Auto,

    /// <summary>Rewrite the resolver file (<c>dns.resolvConf</c>), restoring it on disconnect.</summary>
    ResolvConf,

    /// <summary>Per-link DNS on the tunnel interface over D-Bus; the forwarder listens on the tunnel's address.</summary>
    SystemdResolved,
}
