namespace Tunnel.Agent.Configuration;

/// <summary>What the agent does while connected.</summary>
internal enum AgentMode
{
    /// <summary>Everything through the tunnel except the split-tunnel entries and the system exclusions.</summary>
    Exclude,

    /// <summary>Only the split-tunnel entries through the tunnel.</summary>
    Include,

    /// <summary>No tunnel routes and no DNS changes: the agent only reports the device's posture.</summary>
    PostureOnly,
}
