using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tunnel.LocalApi;

/// <summary>Source-generated JSON for every local API message (native AOT has no reflection-based serializer).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(ModeRequest))]
[JsonSerializable(typeof(SplitTunnelEntry))]
[JsonSerializable(typeof(IReadOnlyList<SplitTunnelEntry>))]
[JsonSerializable(typeof(SplitTunnelEntryRequest))]
[JsonSerializable(typeof(FallbackDomainEntry))]
[JsonSerializable(typeof(IReadOnlyList<FallbackDomainEntry>))]
[JsonSerializable(typeof(UpstreamsEntry))]
[JsonSerializable(typeof(IReadOnlyList<SettingEntry>))]
[JsonSerializable(typeof(IReadOnlyList<LearnedRouteEntry>))]
[JsonSerializable(typeof(ExplainResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(AgentEvent))]
[JsonSerializable(typeof(PostureResponse))]
internal sealed partial class LocalApiJsonContext : JsonSerializerContext;
