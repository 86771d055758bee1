namespace Tunnel.Posture;

/// <summary>The answer to one posture check.</summary>
public enum PostureCheck
{
    /// <summary>The operating system does not say.</summary>
    Unknown,

    /// <summary>The protection is in place.</summary>
    Enabled,

    /// <summary>The protection is not in place.</summary>
    Disabled,
}
