namespace Tunnel.Routing;

/// <summary>
/// Where traffic to a destination goes and the rule that decided it, as <c>tunnelctl explain</c> shows it.
/// </summary>
public sealed class RouteExplanation
{
    internal RouteExplanation(string destination, RouteDecision decision, RouteRuleSource source, SplitTunnelRule? rule, SplitTunnelMode mode, string reason)
    {
        Destination = destination;
        Decision = decision;
        Source = source;
        Rule = rule;
        Mode = mode;
        Reason = reason;
    }

    /// <summary>The address or name explained, as given.</summary>
    public string Destination { get; }

    /// <summary>Where its traffic goes.</summary>
    public RouteDecision Decision { get; }

    /// <summary>Which step of the precedence decided.</summary>
    public RouteRuleSource Source { get; }

    /// <summary>The entry that decided; <see langword="null"/> when the mode's default did.</summary>
    public SplitTunnelRule? Rule { get; }

    /// <summary>The policy's mode when the decision was made.</summary>
    public SplitTunnelMode Mode { get; }

    /// <summary>For a learned address: the names whose DNS answers claim it.</summary>
    public IReadOnlyList<string> LearnedFrom { get; init; } = [];

    /// <summary>For a learned address: when its last claim expires (plus the grace period), on the router's clock.</summary>
    public TimeSpan? Expires { get; init; }

    /// <summary>A sentence saying why, such as <c>10.1.2.3 is in 10.0.0.0/8</c>.</summary>
    public string Reason { get; }

    /// <summary>One line: the decision, the reason, and the rule's description.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        string where = Decision == RouteDecision.Tunnel ? "tunnel" : "direct";
        string description = string.IsNullOrEmpty(Rule?.Description) ? string.Empty : $" ({Rule.Description})";
        return Source == RouteRuleSource.System
            ? $"{where}: {Reason}"
            : $"{where}: {Reason}{description}, {Mode.ToString().ToLowerInvariant()} mode";
    }
}
