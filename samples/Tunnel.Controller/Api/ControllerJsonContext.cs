using System.Text.Json;
using System.Text.Json.Serialization;
using Tunnel.ControlPlane;

namespace Tunnel.Controller.Api;

/// <summary>The controller's JSON, source-generated (snake_case, as the API it follows writes it).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Envelope<object>))]
[JsonSerializable(typeof(Envelope<DeviceModel>))]
[JsonSerializable(typeof(Envelope<IReadOnlyList<DeviceModel>>))]
[JsonSerializable(typeof(Envelope<ProfileModel>))]
[JsonSerializable(typeof(Envelope<IReadOnlyList<ProfileModel>>))]
[JsonSerializable(typeof(Envelope<IReadOnlyList<SplitTunnelModel>>))]
[JsonSerializable(typeof(Envelope<IReadOnlyList<FallbackDomainModel>>))]
[JsonSerializable(typeof(Envelope<TokenModel>))]
[JsonSerializable(typeof(Envelope<IReadOnlyList<TokenModel>>))]
[JsonSerializable(typeof(Envelope<EnrolmentTokenModel>))]
[JsonSerializable(typeof(Envelope<IReadOnlyList<EnrolmentTokenModel>>))]
[JsonSerializable(typeof(Envelope<IReadOnlyList<Guid>>))]
[JsonSerializable(typeof(Envelope<IdModel>))]
[JsonSerializable(typeof(Envelope<EnrolmentResponse>))]
[JsonSerializable(typeof(Envelope<PolicySnapshot>))]
[JsonSerializable(typeof(IReadOnlyList<SplitTunnelModel>))]
[JsonSerializable(typeof(IReadOnlyList<FallbackDomainModel>))]
[JsonSerializable(typeof(IReadOnlyList<Guid>))]
[JsonSerializable(typeof(ProfileRequest))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(EnrolmentTokenRequest))]
[JsonSerializable(typeof(EnrolmentRequest))]
[JsonSerializable(typeof(TelemetryReport))]
[JsonSerializable(typeof(PolicySnapshot))]
internal sealed partial class ControllerJsonContext : JsonSerializerContext;
