namespace Tunnel.Controller.Data;

/// <summary>An enrolled device: its WireGuard key, its tunnel address, what its agent reported, and its user.</summary>
internal sealed class Device
{
    public Guid Id { get; set; }

    public required string AccountId { get; set; }

    /// <summary>The WireGuard public key, base64.</summary>
    public required string Key { get; set; }

    /// <summary>The tunnel address assigned at enrolment, unique on the gateway.</summary>
    public required string Ip { get; set; }

    /// <summary>The SHA-256 of the device's own credential, in hexadecimal: its agent's policy stream and reports present it.</summary>
    public required string CredentialHash { get; set; }

    public string Name { get; set; } = "";

    /// <summary><c>windows</c>, <c>mac</c>, <c>linux</c>, <c>android</c>, <c>ios</c>, ...</summary>
    public string DeviceType { get; set; } = "";

    public string Model { get; set; } = "";

    public string OsVersion { get; set; } = "";

    public string SerialNumber { get; set; } = "";

    public string MacAddress { get; set; } = "";

    /// <summary>The agent's version, as it last reported.</summary>
    public string Version { get; set; } = "";

    public required string UserId { get; set; }

    public required string UserEmail { get; set; }

    /// <summary>The user's groups, one per line.</summary>
    public string UserGroups { get; set; } = "";

    public DateTimeOffset Created { get; set; }

    public DateTimeOffset Updated { get; set; }

    public DateTimeOffset? LastSeen { get; set; }

    /// <summary>The tunnel statistics the agent last reported, as JSON.</summary>
    public string? Statistics { get; set; }
}
