namespace Tunnel.Controller.Data;

/// <summary>
/// A device settings profile: which devices it applies to (<see cref="Match"/>, by the user's email and groups; the
/// lowest <see cref="Precedence"/> that matches wins), their service mode and their split-tunnel and fallback-domain
/// lists. Each account has one default profile, for devices no other profile matches.
/// </summary>
internal sealed class DeviceProfile
{
    public Guid Id { get; set; }

    public required string AccountId { get; set; }

    public bool IsDefault { get; set; }

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>The match expression (see <c>Policy.MatchExpression</c>); empty for the default profile.</summary>
    public string Match { get; set; } = "";

    public int Precedence { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary><c>warp</c> (the tunnel) or <c>posture_only</c>.</summary>
    public string ServiceMode { get; set; } = "warp";

    /// <summary>Whether a device's local changes (through its local API) beat this profile's settings.</summary>
    public bool AllowLocalChanges { get; set; }

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Updated { get; set; }

    public List<SplitTunnelEntry> SplitTunnel { get; set; } = [];

    public List<FallbackDomain> FallbackDomains { get; set; } = [];
}
