using System.Text.Json;
using System.Text.Json.Serialization;
using Tunnel.LocalApi;

namespace Tunnel.Agent.LocalApi;

/// <summary>
/// Source-generated JSON for the bodies the agent reads, strict where <see cref="LocalApiJsonContext"/> (which
/// tunnelctl also reads answers with, and so must tolerate new properties) is lenient: an unknown property,
/// a missing one, or a null where the contract has none is a 400 naming the property. A misspelt
/// <c>{"srvers": []}</c> once answered 200 and wiped the upstreams.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ModeRequest))]
[JsonSerializable(typeof(SplitTunnelEntryRequest))]
[JsonSerializable(typeof(FallbackDomainEntry))]
[JsonSerializable(typeof(UpstreamsEntry))]
internal sealed partial class LocalApiRequestJsonContext : JsonSerializerContext;
