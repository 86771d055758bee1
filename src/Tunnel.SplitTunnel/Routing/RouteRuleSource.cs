namespace Tunnel.Routing;

/// <summary>Which step of the precedence made a decision (system, domain, prefix, then the mode's default).</summary>
public enum RouteRuleSource
{
    /// <summary>A system entry: the tunnel's endpoints, the DNS forwarder's upstreams, link-local or multicast.</summary>
    System,

    /// <summary>A domain rule matched the name.</summary>
    Domain,

    /// <summary>The address was learned from a DNS answer for a name a domain rule matched.</summary>
    LearnedAddress,

    /// <summary>A prefix (CIDR) rule, the longest that contains the address.</summary>
    Prefix,

    /// <summary>No rule matched: the mode's default.</summary>
    ModeDefault,
}
