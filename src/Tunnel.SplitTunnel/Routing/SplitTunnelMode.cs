namespace Tunnel.Routing;

/// <summary>What the entries of a <see cref="SplitTunnelPolicy"/> mean.</summary>
public enum SplitTunnelMode
{
    /// <summary>Everything goes through the tunnel except the entries (and the system exclusions). The default.</summary>
    Exclude,

    /// <summary>Only the entries go through the tunnel; everything else goes direct.</summary>
    Include,
}
