namespace Tunnel.Controller.Data;

/// <summary>
/// A token an agent enrols with, issued for one user (whose email and groups the device settings profiles match), kept
/// only as its SHA-256 hash. It can enrol devices until it expires or is deleted.
/// </summary>
internal sealed class EnrolmentToken
{
    public Guid Id { get; set; }

    public required string AccountId { get; set; }

    public required string Hash { get; set; }

    public required string UserId { get; set; }

    public required string UserEmail { get; set; }

    /// <summary>The user's groups, one per line.</summary>
    public string UserGroups { get; set; } = "";

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset? Expires { get; set; }
}
