using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Tunnel.Agent.LocalApi;
using Tunnel.LocalApi;

namespace Tunnel.Agent.Tests;

/// <summary>The local API as served: Kestrel on a temporary UNIX socket, the agent over fakes, an HTTP client on the socket.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LocalApiHostTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tla-").FullName;
    private Microsoft.AspNetCore.Builder.WebApplication? _app;
    private HttpClient? _client;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static LocalApiJsonContext Json => LocalApiJsonContext.Default;

    private HttpClient Client => _client!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the local API's access check reads Linux peer credentials");
        string socket = Path.Combine(_directory, "agent.sock");
        _app = LocalApiHost.Build(socket, LocalApiAccess.ForCurrentProcess(null), _ => AgentServiceFixture.Create(AgentServiceFixture.Settings()), connect: false);
        await _app.StartAsync(Token);
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await client.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken);
                return new NetworkStream(client, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://localhost") };
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TheSocket_IsOpenToAll_AndStatusAnswersJson()
    {
        var mode = File.GetUnixFileMode(Path.Combine(_directory, "agent.sock"));
        var response = await Client.GetAsync(LocalApiPaths.Status, Token);

        Assert.Equal((UnixFileMode)0b110_110_110, mode & (UnixFileMode)0b111_111_111);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var status = await response.Content.ReadFromJsonAsync(Json.StatusResponse, Token);
        Assert.Equal(("disconnected", "exclude"), (status!.State, status.Mode));
    }

    [Fact]
    public async Task Entries_AreAddedListedAndRemoved_ByTheirContractRoutes()
    {
        var created = await Client.PostAsJsonAsync(LocalApiPaths.SplitTunnel, new SplitTunnelEntryRequest("*.corp.example", "intranet", "host"), Json.SplitTunnelEntryRequest, Token);
        var list = await Client.GetFromJsonAsync(LocalApiPaths.SplitTunnel, Json.IReadOnlyListSplitTunnelEntry, Token);
        var removed = await Client.DeleteAsync($"{LocalApiPaths.SplitTunnel}?entry={Uri.EscapeDataString("*.corp.example")}", Token);
        var again = await Client.DeleteAsync($"{LocalApiPaths.SplitTunnel}?entry={Uri.EscapeDataString("*.corp.example")}", Token);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(new SplitTunnelEntry("*.corp.example", "host", "intranet"), await created.Content.ReadFromJsonAsync(Json.SplitTunnelEntry, Token));
        Assert.Contains(new SplitTunnelEntry("*.corp.example", "host", "intranet"), list!);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("'*.corp.example' is not an entry", await ErrorOf(again));
    }

    [Theory]
    [InlineData("POST", LocalApiPaths.SplitTunnel, "{not json", 400, "the body is not a valid SplitTunnelEntryRequest")]
    [InlineData("POST", LocalApiPaths.SplitTunnel, "", 400, "the body is not a valid SplitTunnelEntryRequest")]
    [InlineData("DELETE", LocalApiPaths.SplitTunnel, null, 400, "give ?entry=")]
    [InlineData("PUT", LocalApiPaths.Mode, """{"mode":"sideways"}""", 400, "'sideways' is not a mode: exclude, include or posture-only")]
    [InlineData("GET", LocalApiPaths.Explain, null, 400, "give ?target=")]
    [InlineData("POST", LocalApiPaths.FallbackDomains, """{"suffix":"*.lan","servers":["10.0.0.53"]}""", 400, "'*.lan' is not a domain suffix")]
    [InlineData("POST", LocalApiPaths.Disconnect, null, 409, "not connected")]
    [InlineData("PUT", LocalApiPaths.Upstreams, """{"servers":["dns.example"]}""", 400, "'dns.example' is not a DNS server address")]
    public async Task BadRequests_GetTheContractsStatusAndAnErrorMessage(string method, string path, string? body, int status, string error)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var response = await Client.SendAsync(request, Token);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.StartsWith(error, await ErrorOf(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingsExplainPostureAndHealth_AnswerTheirContracts()
    {
        var settings = await Client.GetFromJsonAsync(LocalApiPaths.Settings, Json.IReadOnlyListSettingEntry, Token);
        var explained = await Client.GetFromJsonAsync($"{LocalApiPaths.Explain}?target=meet.zoom.us", Json.ExplainResponse, Token);
        var posture = await Client.GetFromJsonAsync(LocalApiPaths.Posture, Json.PostureResponse, Token);
        var health = await Client.GetAsync(LocalApiPaths.Health, Token);

        Assert.Equal(Configuration.AgentSettings.Names, settings!.Select(setting => setting.Name));
        Assert.Equal(("direct", "*.zoom.us"), (explained!.Decision, explained.Rule));
        Assert.Equal("Test OS", posture!.OperatingSystem);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Watch_StartsWithTheStatus_AndStreamsEachChangeAsOneJsonLine()
    {
        using var response = await Client.GetAsync(LocalApiPaths.Watch, HttpCompletionOption.ResponseHeadersRead, Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));
        var first = JsonSerializer.Deserialize(await reader.ReadLineAsync(Token) ?? string.Empty, Json.AgentEvent);

        using var change = new StringContent("""{"mode":"include"}""", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.OK, (await Client.PutAsync(LocalApiPaths.Mode, change, Token)).StatusCode);
        var second = JsonSerializer.Deserialize(await reader.ReadLineAsync(Token) ?? string.Empty, Json.AgentEvent);

        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(("status", "disconnected"), (first!.Type, first.Status?.State));
        Assert.Equal(("setting", "mode include"), (second!.Type, second.Message));
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync(Json.ErrorResponse, TestContext.Current.CancellationToken))!.Error;
}
