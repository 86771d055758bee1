using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Tunnel.Controller.Tests;

/// <summary>
/// One controller for a test, on a store of its own (a SQLite file, or a new PostgreSQL database), with the bootstrap
/// account <c>acme</c> and its token, a fake clock, and helpers that speak its API.
/// </summary>
public sealed class ControllerHost : IAsyncDisposable
{
    public const string Account = "acme";

    public const string Token = "tca_bootstrap-0123456789abcdef";

    private readonly WebApplicationFactory<Program> _factory;
    private readonly string? _directory;

    private ControllerHost(WebApplicationFactory<Program> factory, string? directory, FakeTimeProvider time)
    {
        _factory = factory;
        _directory = directory;
        Time = time;
        Client = factory.CreateClient();
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    /// <summary>The clock the controller reads; starts at 2026-12-01.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>A client that presents the bootstrap token.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>A controller on a new SQLite file.</summary>
    public static ControllerHost Sqlite(IDictionary<string, string?>? settings = null)
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-controller-").FullName;
        return Start("sqlite", $"Data Source={Path.Combine(directory, "controller.db")}", directory, settings);
    }

    /// <summary>A controller on <paramref name="connectionString"/>'s PostgreSQL database.</summary>
    public static ControllerHost Postgres(string connectionString, IDictionary<string, string?>? settings = null) => Start("postgres", connectionString, null, settings);

    /// <summary>A controller on a new SQLite file, served by Kestrel on a port of 127.0.0.1 (for a browser).</summary>
    public static ControllerHost SqliteOnKestrel()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-controller-").FullName;
        return Start("sqlite", $"Data Source={Path.Combine(directory, "controller.db")}", directory, null, kestrel: true);
    }

    public static ControllerHost Start(string database, string connectionString, string? directory, IDictionary<string, string?>? settings, bool kestrel = false)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        WebApplicationFactory<Program> factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Controller:Database", database);
            host.UseSetting("Controller:ConnectionString", connectionString);
            host.UseSetting("Controller:BootstrapAccount", Account);
            host.UseSetting("Controller:BootstrapToken", Token);
            host.UseSetting("Controller:StreamHeartbeat", "00:00:00.200");
            foreach ((string key, string? value) in settings ?? new Dictionary<string, string?>())
            {
                host.UseSetting(key, value);
            }

            host.ConfigureLogging(logging => logging.ClearProviders());
            host.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(time));
        });
        if (kestrel)
        {
            factory.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
            factory.StartServer();
        }

        return new ControllerHost(factory, directory, time);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>A client with no token, or the one given.</summary>
    public HttpClient ClientWith(string? bearer)
    {
        HttpClient client = _factory.CreateClient();
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    /// <summary>Sends a request with a JSON body (or none) and reads the envelope.</summary>
    public static async Task<(int Status, JsonObject Envelope)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body is string raw ? new StringContent(raw, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body, options: Json);
        }

        using HttpResponseMessage response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        JsonObject envelope = JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"not an envelope: {text}");
        return ((int)response.StatusCode, envelope);
    }

    public Task<(int Status, JsonObject Envelope)> SendAsync(HttpMethod method, string path, object? body = null) => SendAsync(Client, method, path, body);

    /// <summary>Sends, and expects success with <paramref name="status"/>: the envelope's result.</summary>
    public async Task<JsonNode> OkAsync(HttpMethod method, string path, object? body = null, int status = 200)
    {
        (int got, JsonObject envelope) = await SendAsync(method, path, body);
        Assert.True(got == status && envelope["success"]!.GetValue<bool>(), $"{method} {path}: {got} {envelope.ToJsonString()}");
        Assert.Empty(envelope["errors"]!.AsArray());
        return envelope["result"]!;
    }

    /// <summary>Sends, and expects failure with <paramref name="status"/>: the error's message.</summary>
    public static async Task<string> FailsAsync(HttpClient client, HttpMethod method, string path, object? body, int status)
    {
        (int got, JsonObject envelope) = await SendAsync(client, method, path, body);
        Assert.True(got == status, $"{method} {path}: {got}, not {status}: {envelope.ToJsonString()}");
        Assert.False(envelope["success"]!.GetValue<bool>());
        Assert.Null(envelope["result"]);
        return envelope["errors"]![0]!["message"]!.GetValue<string>();
    }

    public Task<string> FailsAsync(HttpMethod method, string path, object? body, int status) => FailsAsync(Client, method, path, body, status);

    /// <summary>Makes an enrolment token for a user, and enrols a device with a new key: its id, credential and key.</summary>
    public async Task<Enrolled> EnrolAsync(string email, string[] groups, string deviceType = "linux", string name = "laptop")
    {
        JsonNode token = await OkAsync(HttpMethod.Post, $"/accounts/{Account}/enrolment_tokens", new { user = new { email, groups } }, 201);
        string key = NewPublicKey();
        JsonNode enrolled = await OkAsync(HttpMethod.Post, "/agent/v1/enrol", new
        {
            token = token["value"]!.GetValue<string>(),
            public_key = key,
            name,
            device_type = deviceType,
            model = "ThinkPad X1",
            os_version = "Debian 12",
            serial_number = "SN-1",
            mac_address = "02:00:00:00:00:01",
            version = "0.1.0",
        }, 201);
        return new Enrolled(Guid.Parse(enrolled["device_id"]!.GetValue<string>()), enrolled["device_credential"]!.GetValue<string>(), key, enrolled);
    }

    public static string NewPublicKey()
    {
        var bytes = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return Tunnel.Core.Crypto.PrivateKey.Create(bytes).GetPublicKey().ToBase64String();
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>An enrolled device.</summary>
    public sealed record Enrolled(Guid Id, string Credential, string Key, JsonNode Response);
}
