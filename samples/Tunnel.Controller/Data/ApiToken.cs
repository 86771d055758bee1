namespace Tunnel.Controller.Data;

/// <summary>An administrator's API token, kept only as its SHA-256 hash.</summary>
internal sealed class ApiToken
{
    public Guid Id { get; set; }

    public required string AccountId { get; set; }

    public required string Name { get; set; }

    /// <summary>The token's SHA-256, in hexadecimal: what a presented token is looked up by.</summary>
    public required string Hash { get; set; }

    public DateTimeOffset Created { get; set; }
}
