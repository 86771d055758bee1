using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tunnel.Agent.Service;
using Tunnel.LocalApi;

namespace Tunnel.Agent.LocalApi;

/// <summary>
/// The local API's routes over <see cref="AgentService"/>. Handlers are plain request delegates that read and
/// write through the source-generated <see cref="LocalApiJsonContext"/>, so nothing needs reflection under
/// native AOT, and every refusal is an <see cref="ErrorResponse"/> with the status the contract names.
/// </summary>
internal static class LocalApiEndpoints
{
    private static readonly LocalApiJsonContext Json = LocalApiJsonContext.Default;
    private static readonly LocalApiRequestJsonContext Requests = LocalApiRequestJsonContext.Default;
    private static readonly byte[] LineEnd = "\n"u8.ToArray();

    /// <summary>Maps every route of <see cref="LocalApiPaths"/> onto <paramref name="agent"/>.</summary>
    public static void MapLocalApi(this IEndpointRouteBuilder routes, AgentService agent)
    {
        routes.MapGet(LocalApiPaths.Status, context => Reply(context, 200, agent.GetStatus(), Json.StatusResponse));
        routes.MapGet(LocalApiPaths.Health, context =>
        {
            var health = agent.GetHealth();
            return Reply(context, health.Healthy ? 200 : 503, health, Json.HealthResponse);
        });
        routes.MapPost(LocalApiPaths.Connect, context => Handle(context, async token => await Reply(context, 200, await agent.ConnectAsync(token), Json.StatusResponse)));
        routes.MapPost(LocalApiPaths.Disconnect, context => Handle(context, async token => await Reply(context, 200, await agent.DisconnectAsync(token), Json.StatusResponse)));
        routes.MapPut(LocalApiPaths.Mode, context => Handle(context, async token =>
        {
            var request = await ReadAsync(context, Requests.ModeRequest, token);
            await Reply(context, 200, await agent.SetModeAsync(request.Mode, token), Json.StatusResponse);
        }));

        routes.MapGet(LocalApiPaths.SplitTunnel, context => Reply(context, 200, agent.GetEntries(), Json.IReadOnlyListSplitTunnelEntry));
        routes.MapPost(LocalApiPaths.SplitTunnel, context => Handle(context, async token =>
        {
            var request = await ReadAsync(context, Requests.SplitTunnelEntryRequest, token);
            await Reply(context, 201, await agent.AddEntryAsync(request, token), Json.SplitTunnelEntry);
        }));
        routes.MapDelete(LocalApiPaths.SplitTunnel, context => Handle(context, async token =>
        {
            await agent.RemoveEntryAsync(Query(context, "entry"), token);
            await NoContent(context);
        }));

        routes.MapGet(LocalApiPaths.FallbackDomains, context => Reply(context, 200, agent.GetFallbackDomains(), Json.IReadOnlyListFallbackDomainEntry));
        routes.MapPost(LocalApiPaths.FallbackDomains, context => Handle(context, async token =>
        {
            var request = await ReadAsync(context, Requests.FallbackDomainEntry, token);
            await Reply(context, 201, await agent.AddFallbackDomainAsync(request, token), Json.FallbackDomainEntry);
        }));
        routes.MapDelete(LocalApiPaths.FallbackDomains, context => Handle(context, async token =>
        {
            await agent.RemoveFallbackDomainAsync(Query(context, "suffix"), token);
            await NoContent(context);
        }));

        routes.MapGet(LocalApiPaths.Upstreams, context => Reply(context, 200, agent.GetUpstreams(), Json.UpstreamsEntry));
        routes.MapPut(LocalApiPaths.Upstreams, context => Handle(context, async token =>
        {
            var request = await ReadAsync(context, Requests.UpstreamsEntry, token);
            await Reply(context, 200, await agent.SetUpstreamsAsync(request.Servers, token), Json.UpstreamsEntry);
        }));

        routes.MapGet(LocalApiPaths.Settings, context => Reply(context, 200, agent.GetSettings(), Json.IReadOnlyListSettingEntry));
        routes.MapGet(LocalApiPaths.Routes, context => Reply(context, 200, agent.GetRoutes(), Json.IReadOnlyListLearnedRouteEntry));
        routes.MapGet(LocalApiPaths.Explain, context => Handle(context, _ => Reply(context, 200, agent.Explain(Query(context, "target")), Json.ExplainResponse)));
        routes.MapGet(LocalApiPaths.Stats, context => Reply(context, 200, agent.GetStats(), Json.StatsResponse));
        routes.MapGet(LocalApiPaths.Posture, context => Reply(context, 200, agent.GetPosture(), Json.PostureResponse));
        routes.MapGet(LocalApiPaths.Watch, context => WatchAsync(context, agent));
    }

    /// <summary>Answers <paramref name="status"/> with an <see cref="ErrorResponse"/>.</summary>
    public static Task Error(HttpContext context, int status, string message) =>
        Reply(context, status, new ErrorResponse(message), Json.ErrorResponse);

    private static async Task WatchAsync(HttpContext context, AgentService agent)
    {
        var token = context.RequestAborted;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-ndjson";
        var first = new AgentEvent(DateTimeOffset.UtcNow, "status", $"agent {agent.State}", agent.GetStatus());
        try
        {
            await foreach (var item in agent.Events.SubscribeAsync(first, token))
            {
                await JsonSerializer.SerializeAsync(context.Response.Body, item, Json.AgentEvent, token);
                await context.Response.Body.WriteAsync(LineEnd, token);
                await context.Response.Body.FlushAsync(token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The watcher left, or the agent is stopping.
        }
    }

    private static async Task Handle(HttpContext context, Func<CancellationToken, Task> handler)
    {
        try
        {
            await handler(context.RequestAborted);
        }
        catch (AgentRequestException refused)
        {
            await Error(context, refused.StatusCode, refused.Message);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, cancellationToken) ?? throw AgentRequestException.BadRequest("the body is empty");
        }
        catch (JsonException exception)
        {
            throw AgentRequestException.BadRequest($"the body is not a valid {typeof(T).Name}: {exception.Message}");
        }
        catch (BadHttpRequestException exception)
        {
            // Over the body limit (413), or a body cut short.
            throw new AgentRequestException(exception.StatusCode, exception.Message);
        }
    }

    private static string Query(HttpContext context, string name) =>
        context.Request.Query[name] is { Count: 1 } values && values[0] is { Length: > 0 } value
            ? value
            : throw AgentRequestException.BadRequest($"give ?{name}=");

    private static Task Reply<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }

    private static Task NoContent(HttpContext context)
    {
        context.Response.StatusCode = 204;
        return Task.CompletedTask;
    }
}
