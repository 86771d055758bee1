namespace Tunnel.Controller.Api;

/// <summary>A device's user, as the device list shows it.</summary>
internal sealed record DeviceUser(string Email, string Id);

/// <summary>A device in the device list.</summary>
internal sealed record DeviceModel(
    DateTimeOffset Created,
    string DeviceType,
    Guid Id,
    string Ip,
    string Key,
    DateTimeOffset? LastSeen,
    string MacAddress,
    string Model,
    string Name,
    string OsVersion,
    string SerialNumber,
    DateTimeOffset Updated,
    DeviceUser User,
    string Version);

/// <summary>One split-tunnel entry: <c>address</c> (a prefix) or <c>host</c> (a domain pattern), not both.</summary>
internal sealed record SplitTunnelModel(string? Address, string? Host, string? Description);

/// <summary>One fallback domain: names under <c>suffix</c> go to <c>dns_server</c> (the device's default servers when empty).</summary>
internal sealed record FallbackDomainModel(string Suffix, string? Description, IReadOnlyList<string>? DnsServer);

/// <summary>The service mode: <c>warp</c> (the tunnel) or <c>posture_only</c>.</summary>
internal sealed record ServiceModeModel(string Mode);

/// <summary>A device settings profile as the API shows it (the default profile has no match and no precedence that matters).</summary>
internal sealed record ProfileModel(
    Guid PolicyId,
    string Name,
    string Description,
    string Match,
    int Precedence,
    bool Enabled,
    bool Default,
    ServiceModeModel ServiceModeV2,
    bool AllowLocalChanges,
    IReadOnlyList<SplitTunnelModel> Include,
    IReadOnlyList<SplitTunnelModel> Exclude,
    IReadOnlyList<FallbackDomainModel> FallbackDomains,
    DateTimeOffset Created,
    DateTimeOffset Updated);

/// <summary>
/// A profile's fields in a <c>POST</c> (name, match and precedence required) or a <c>PATCH</c> (only those given change);
/// lists given replace the profile's.
/// </summary>
internal sealed record ProfileRequest(
    string? Name,
    string? Description,
    string? Match,
    int? Precedence,
    bool? Enabled,
    ServiceModeModel? ServiceModeV2,
    bool? AllowLocalChanges,
    IReadOnlyList<SplitTunnelModel>? Include,
    IReadOnlyList<SplitTunnelModel>? Exclude,
    IReadOnlyList<FallbackDomainModel>? FallbackDomains);

/// <summary>An API token: its secret is shown once, when it is made.</summary>
internal sealed record TokenModel(Guid Id, string Name, DateTimeOffset Created, string? Value);

/// <summary><c>POST .../tokens</c>.</summary>
internal sealed record TokenRequest(string? Name);

/// <summary>The user an enrolment token enrols devices for: profiles match their email and groups.</summary>
internal sealed record EnrolmentUser(string? Email, string? Id, IReadOnlyList<string>? Groups);

/// <summary><c>POST .../enrolment_tokens</c>: for whom, and for how long (none: until deleted).</summary>
internal sealed record EnrolmentTokenRequest(EnrolmentUser? User, int? ExpiresInSeconds);

/// <summary>An enrolment token: its secret is shown once, when it is made.</summary>
internal sealed record EnrolmentTokenModel(Guid Id, EnrolmentUser User, DateTimeOffset Created, DateTimeOffset? Expires, string? Value);

/// <summary>What a deletion answers: the id of what is gone.</summary>
internal sealed record IdModel(Guid Id);
