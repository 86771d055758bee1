using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Tunnel.Agent.Configuration;
using Tunnel.Agent.LocalApi;
using Tunnel.Agent.Service;
using Tunnel.Connections;
using Tunnel.LocalApi;
using Tunnel.Posture;
using static Tunnel.Fuzz.FuzzText;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// Every request body of the agent's local API, through the endpoints as <see cref="LocalApiEndpoints"/> maps
/// them (deserialization, validation, the change), called in-process on a <see cref="DefaultHttpContext"/>
/// over a disconnected agent, its settings reset before each input. The first byte picks the route, the rest is the body. Promises: a
/// refusal is a 400 or 409 with an <see cref="ErrorResponse"/> that says why, and changes no setting; an
/// accepted body changes its setting (source <c>local</c>) and answers a value that, sent back, means the
/// same (the same answer, or for a split-tunnel entry, 409: already an entry).
/// </summary>
internal sealed class LocalApiTarget : IFuzzTarget
{
    private static readonly (string Method, string Path, string Setting)[] Routes =
    [
        (HttpMethods.Put, LocalApiPaths.Mode, "mode"),
        (HttpMethods.Post, LocalApiPaths.SplitTunnel, "splitTunnel"),
        (HttpMethods.Post, LocalApiPaths.FallbackDomains, "dns.fallbackDomains"),
        (HttpMethods.Put, LocalApiPaths.Upstreams, "dns.upstreams"),
    ];

    private static readonly LocalApiJsonContext Json = LocalApiJsonContext.Default;

    /// <summary>
    /// The agent's settings, set back to <see cref="Settings"/> before each input so that every input meets
    /// the same agent. The agent has no way to do that itself (only the API changes settings, and each change
    /// is recorded); a renamed field fails here at once, not silently.
    /// </summary>
    private static readonly System.Reflection.FieldInfo SettingsField =
        typeof(AgentService).GetField("_settings", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)
        ?? throw new MissingFieldException(nameof(AgentService), "_settings");
    private static readonly IServiceProvider Services = new ServiceCollection().BuildServiceProvider();
    private static readonly AgentSettings Settings = AgentConfigurationLoader.Parse(
        """
        {
          "mode": "exclude",
          "splitTunnel": [ { "entry": "10.0.0.0/8", "description": "LAN" }, { "entry": "*.zoom.us" } ],
          "dns": { "upstreams": [ "192.0.2.53" ], "fallbackDomains": [ { "suffix": "corp.example", "servers": [ "10.0.0.53" ] } ] }
        }
        """,
        "agent.json",
        Path.GetTempPath());

    private readonly Lazy<(AgentService Agent, Dictionary<string, RequestDelegate> Endpoints)> _agent = new(CreateAgent);

    public string Name => "local-api";

    public void Run(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var (method, path, setting) = Routes[data[0] % Routes.Length];
        var (agent, endpoints) = _agent.Value;
        SettingsField.SetValue(agent, Settings);
        RequestDelegate endpoint = endpoints[path];
        var before = agent.Settings;
        var (status, body) = Send(endpoint, method, path, data[1..].ToArray());
        if (status is 400 or 409)
        {
            Require(Deserialize(body, Json.ErrorResponse) is { Error.Length: > 0 }, $"a {status} without a reason");
            Require(ReferenceEquals(agent.Settings, before), $"a refused body ({status}) changed the settings");
            return;
        }

        Require(status == (method == HttpMethods.Post ? 201 : 200), $"status {status}: {Decode(body)}");
        Require(agent.Settings.SourceOf(setting) == SettingSource.Local, $"an accepted body left '{setting}' as {agent.Settings.SourceOf(setting)}");
        var changed = agent.Settings;
        switch (path)
        {
            case LocalApiPaths.Mode:
                string mode = Deserialize(body, Json.StatusResponse)!.Mode;
                Require(mode == AgentConfigurationLoader.FormatMode(changed.Mode), $"the answer names mode {mode}, the agent has {changed.Mode}");
                var (again, _) = Send(endpoint, method, path, JsonSerializer.SerializeToUtf8Bytes(new ModeRequest(mode), Json.ModeRequest));
                Require(again == 200 && agent.Settings.Mode == changed.Mode, "the mode answered does not set the same mode");
                break;
            case LocalApiPaths.SplitTunnel:
                var entry = Deserialize(body, Json.SplitTunnelEntry)!;
                Require(changed.SplitTunnel.Count == before.SplitTunnel.Count + 1, "an added entry did not add one entry");
                var (duplicate, _) = Send(endpoint, method, path, JsonSerializer.SerializeToUtf8Bytes(new SplitTunnelEntryRequest(entry.Entry, entry.Description, entry.Kind), Json.SplitTunnelEntryRequest));
                Require(duplicate == 409, $"the entry answered ({entry.Entry}, {entry.Kind}) sent back is not the same entry: {duplicate}");
                break;
            default:
                // Fallback domains and upstreams answer in the request's own shape: sent back, the same answer.
                var (status2, body2) = Send(endpoint, method, path, body);
                Require(status2 == status && body2.AsSpan().SequenceEqual(body), $"the answer sent back answers differently:\n{Decode(body)}\n{Decode(body2)}");
                break;
        }
    }

    /// <summary>One agent and its endpoints for the process: building the routes costs milliseconds, far more than a request.</summary>
    private static (AgentService Agent, Dictionary<string, RequestDelegate> Endpoints) CreateAgent()
    {
        var agent = new AgentService(Settings, new NoResolver(), key => new DevicePosture("Fuzz", "1", "6.1", "0.1", PostureCheck.Unknown, PostureCheck.Unknown, key, new Dictionary<string, string>()), NullLoggerFactory.Instance, removeStaleRoutes: _ => 0);
        var routes = new RouteCollector();
        routes.MapLocalApi(agent);
        var endpoints = routes.DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>().ToList();
        return (agent, Routes.ToDictionary(
            route => route.Path,
            route => endpoints.Single(e => e.RoutePattern.RawText == route.Path && e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Contains(route.Method)).RequestDelegate!));
    }

    private static (int Status, byte[] Body) Send(RequestDelegate endpoint, string method, string path, byte[] body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(body);
        using var response = new MemoryStream();
        context.Response.Body = response;
        endpoint(context).GetAwaiter().GetResult();
        return (context.Response.StatusCode, response.ToArray());
    }

    private static T? Deserialize<T>(byte[] body, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException exception)
        {
            throw new FuzzInvariantException($"an answer that is not a {typeof(T).Name}: {exception.Message}: {Decode(body)}");
        }
    }

    private sealed class RouteCollector : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => Services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(Services);
    }

    private sealed class NoResolver : ISystemResolverConfigurator
    {
        public bool IsApplied => false;

        public ValueTask ApplyAsync(SystemResolverSettings settings, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask RestoreAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
