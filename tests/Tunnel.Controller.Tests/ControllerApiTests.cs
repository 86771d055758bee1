using System.Text.Json.Nodes;

namespace Tunnel.Controller.Tests;

/// <summary>
/// The controller's administration API (tokens, lists, profiles, OpenAPI; what agents call is in
/// ControllerApiTests.Agents.cs), every route with its shapes and errors, run the same against SQLite
/// (<see cref="SqliteControllerApiTests"/>) and a real PostgreSQL (<see cref="PostgresControllerApiTests"/>).
/// </summary>
public abstract partial class ControllerApiTests
{
    private const string A = $"/accounts/{ControllerHost.Account}";

    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(2);

    /// <summary>A controller on a store of its own.</summary>
    protected abstract Task<ControllerHost> StartAsync();

    [Fact]
    public async Task NoTokenOrABadOne_Is401_AndAnotherAccountsRoutes_Are403()
    {
        await using ControllerHost host = await StartAsync();

        using HttpClient anonymous = host.ClientWith(null);
        Assert.Contains("API token is required", await ControllerHost.FailsAsync(anonymous, HttpMethod.Get, $"{A}/devices", null, 401), StringComparison.Ordinal);
        using HttpClient forged = host.ClientWith("tca_forged");
        Assert.Contains("not valid", await ControllerHost.FailsAsync(forged, HttpMethod.Get, $"{A}/devices", null, 401), StringComparison.Ordinal);
        Assert.Contains("not one of this account's", await host.FailsAsync(HttpMethod.Get, "/accounts/other/devices", null, 403), StringComparison.Ordinal);
        await host.FailsAsync(HttpMethod.Put, "/accounts/other/devices/policy/include", "[]", 403);
    }

    [Fact]
    public async Task ApiTokens_AreShownOnce_ListedWithoutTheirSecret_AndStopWorkingWhenDeleted()
    {
        await using ControllerHost host = await StartAsync();

        JsonNode made = await host.OkAsync(HttpMethod.Post, $"{A}/tokens", new { name = "terraform" }, 201);
        string secret = made["value"]!.GetValue<string>();
        Assert.StartsWith("tca_", secret, StringComparison.Ordinal);
        JsonArray listed = (await host.OkAsync(HttpMethod.Get, $"{A}/tokens")).AsArray();
        Assert.Equal(["bootstrap", "terraform"], listed.Select(t => t!["name"]!.GetValue<string>()));
        Assert.All(listed, t => Assert.Null(t!["value"]));

        using HttpClient terraform = host.ClientWith(secret);
        Assert.Equal(200, (await ControllerHost.SendAsync(terraform, HttpMethod.Get, $"{A}/devices")).Status);
        await host.OkAsync(HttpMethod.Delete, $"{A}/tokens/{made["id"]}");
        await ControllerHost.FailsAsync(terraform, HttpMethod.Get, $"{A}/devices", null, 401);
        await host.FailsAsync(HttpMethod.Delete, $"{A}/tokens/{made["id"]}", null, 404);
        await host.FailsAsync(HttpMethod.Post, $"{A}/tokens", new { name = "" }, 400);
    }

    [Theory]
    [InlineData("include")]
    [InlineData("exclude")]
    public async Task ASplitTunnelList_IsReplacedWholeByAPut_AndReadBack(string list)
    {
        await using ControllerHost host = await StartAsync();
        Assert.Empty((await host.OkAsync(HttpMethod.Get, $"{A}/devices/policy/{list}")).AsArray());

        await host.OkAsync(HttpMethod.Put, $"{A}/devices/policy/{list}", new object[]
        {
            new { address = "10.1.2.3/8", description = "corp" },
            new { host = "*.Corp.Example.", description = "intranet" },
            new { address = "2001:db8::1" },
        });
        JsonNode read = await host.OkAsync(HttpMethod.Put, $"{A}/devices/policy/{list}", new object[]
        {
            new { address = "192.0.2.0/24", description = "lab" },
            new { host = "git.example.com" },
        });

        Assert.Equal("""[{"address":"192.0.2.0/24","host":null,"description":"lab"},{"address":null,"host":"git.example.com","description":""}]""", read.ToJsonString());
        Assert.Equal(read.ToJsonString(), (await host.OkAsync(HttpMethod.Get, $"{A}/devices/policy/{list}")).ToJsonString());
        Assert.Equal(read.ToJsonString(), (await host.OkAsync(HttpMethod.Get, $"{A}/devices/policy"))[list]!.ToJsonString());
    }

    [Fact]
    public async Task ListEntries_AreNormalised_AsTheRouterReadsThem()
    {
        await using ControllerHost host = await StartAsync();

        JsonNode read = await host.OkAsync(HttpMethod.Put, $"{A}/devices/policy/exclude", new object[] { new { address = "10.1.2.3/8" }, new { address = "2001:db8::1" }, new { host = "*.Corp.Example." } });

        Assert.Equal(["10.0.0.0/8", "2001:db8::1/128"], read.AsArray().Take(2).Select(e => e!["address"]!.GetValue<string>()));
        Assert.Equal("*.corp.example", read[2]!["host"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""[{"address":"10.0.0.0/8","host":"a.example"}]""", "include[0]: give either address or host")]
    [InlineData("""[{"description":"nothing"}]""", "include[0]: give either address or host")]
    [InlineData("""[{"address":"10.0.0.0/8"},{"address":"10.0.0.0/33"}]""", "include[1].address:")]
    [InlineData("""[{"address":"corp.example"}]""", "include[0].address:")]
    [InlineData("""[{"host":"bad host.example"}]""", "include[0].host:")]
    [InlineData("""[{"host":"a.example"},{"host":"A.example"}]""", "include[1]: 'a.example' is already in the list")]
    [InlineData("""{"address":"10.0.0.0/8"}""", "")]
    [InlineData("""not json""", "")]
    public async Task AnInvalidList_Is400NamingTheField_AndTheListStaysAsItWas(string body, string message)
    {
        await using ControllerHost host = await StartAsync();
        JsonNode before = await host.OkAsync(HttpMethod.Put, $"{A}/devices/policy/include", new object[] { new { address = "198.51.100.0/24" } });

        string error = await host.FailsAsync(HttpMethod.Put, $"{A}/devices/policy/include", body, 400);

        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Equal(before.ToJsonString(), (await host.OkAsync(HttpMethod.Get, $"{A}/devices/policy/include")).ToJsonString());
    }

    [Fact]
    public async Task FallbackDomains_AreReplacedWhole_AndCheckedEntryByEntry()
    {
        await using ControllerHost host = await StartAsync();

        JsonNode read = await host.OkAsync(HttpMethod.Put, $"{A}/devices/policy/fallback_domains", new object[]
        {
            new { suffix = "Corp.Example", description = "corporate", dns_server = new[] { "10.0.0.53", "fd00::53" } },
            new { suffix = "home.arpa" },
        });
        Assert.Equal("""[{"suffix":"corp.example","description":"corporate","dns_server":["10.0.0.53","fd00::53"]},{"suffix":"home.arpa","description":"","dns_server":[]}]""", read.ToJsonString());

        Assert.Contains("fallback_domains[0].dns_server[1]", await host.FailsAsync(HttpMethod.Put, $"{A}/devices/policy/fallback_domains", """[{"suffix":"a.example","dns_server":["10.0.0.1","ns.example"]}]""", 400), StringComparison.Ordinal);
        Assert.Contains("no wildcard", await host.FailsAsync(HttpMethod.Put, $"{A}/devices/policy/fallback_domains", """[{"suffix":"*.a.example"}]""", 400), StringComparison.Ordinal);
        Assert.Equal(read.ToJsonString(), (await host.OkAsync(HttpMethod.Get, $"{A}/devices/policy/fallback_domains")).ToJsonString());
    }

    [Fact]
    public async Task Profiles_AreMadeReadChangedAndDeleted_WithListsOfTheirOwn()
    {
        await using ControllerHost host = await StartAsync();

        JsonNode made = await host.OkAsync(HttpMethod.Post, $"{A}/devices/policy", new
        {
            name = "Engineering",
            match = """any(identity.groups.name[*] in {"Engineering"})""",
            precedence = 10,
            service_mode_v2 = new { mode = "warp" },
            include = new[] { new { address = "10.20.0.0/16" } },
        }, 201);
        string id = made["policy_id"]!.GetValue<string>();
        Assert.False(made["default"]!.GetValue<bool>());
        Assert.Equal("10.20.0.0/16", made["include"]![0]!["address"]!.GetValue<string>());
        Assert.Empty((await host.OkAsync(HttpMethod.Get, $"{A}/devices/policy/include")).AsArray()); // the default's list is apart

        await host.OkAsync(HttpMethod.Put, $"{A}/devices/policy/{id}/exclude", new[] { new { host = "*.zoom.us" } });
        JsonNode patched = await host.OkAsync(HttpMethod.Patch, $"{A}/devices/policy/{id}", new { precedence = 5, service_mode_v2 = new { mode = "posture_only" } });
        Assert.Equal(5, patched["precedence"]!.GetValue<int>());
        Assert.Equal("posture_only", patched["service_mode_v2"]!["mode"]!.GetValue<string>());
        Assert.Equal("Engineering", patched["name"]!.GetValue<string>());
        Assert.Equal("*.zoom.us", patched["exclude"]![0]!["host"]!.GetValue<string>());

        JsonArray all = (await host.OkAsync(HttpMethod.Get, $"{A}/devices/policies")).AsArray();
        Assert.Equal([id, null], all.Select(p => p!["default"]!.GetValue<bool>() ? null : p["policy_id"]!.GetValue<string>()));

        await host.OkAsync(HttpMethod.Delete, $"{A}/devices/policy/{id}");
        await host.FailsAsync(HttpMethod.Get, $"{A}/devices/policy/{id}", null, 404);
        await host.FailsAsync(HttpMethod.Get, $"{A}/devices/policy/{id}/include", null, 404);
        await host.FailsAsync(HttpMethod.Put, $"{A}/devices/policy/{Guid.NewGuid()}/include", "[]", 404);
    }

    [Theory]
    [InlineData("""{"name":"x","precedence":1}""", "match: required")]
    [InlineData("""{"name":"x","match":"identity.email = \"a@b\"","precedence":1}""", "match: expected")]
    [InlineData("""{"name":"x","match":"identity.email == \"a@b.example\"","precedence":0}""", "precedence:")]
    [InlineData("""{"name":"x","match":"identity.email == \"a@b.example\"","precedence":1,"service_mode_v2":{"mode":"proxy"}}""", "service_mode_v2.mode")]
    [InlineData("""{"name":"x","match":"identity.email == \"a@b.example\"","precedence":1,"include":[{"address":"10.0.0.0/40"}]}""", "include[0].address")]
    public async Task AnInvalidProfile_Is400NamingTheField_AndNothingIsMade(string body, string message)
    {
        await using ControllerHost host = await StartAsync();

        Assert.Contains(message, await host.FailsAsync(HttpMethod.Post, $"{A}/devices/policy", body, 400), StringComparison.Ordinal);
        Assert.Single((await host.OkAsync(HttpMethod.Get, $"{A}/devices/policies")).AsArray()); // the default only
    }

    [Fact]
    public async Task APatchWithOneBadField_ChangesNothing_AndTheDefaultProfileTakesNoMatch()
    {
        await using ControllerHost host = await StartAsync();
        JsonNode made = await host.OkAsync(HttpMethod.Post, $"{A}/devices/policy", new { name = "Ops", match = """identity.email == "ops@corp.example" """, precedence = 3 }, 201);

        await host.FailsAsync(HttpMethod.Patch, $"{A}/devices/policy/{made["policy_id"]}", new { name = "Renamed", include = new[] { new { address = "bad" } } }, 400);
        Assert.Equal("Ops", (await host.OkAsync(HttpMethod.Get, $"{A}/devices/policy/{made["policy_id"]}"))["name"]!.GetValue<string>());

        Assert.Contains("default profile", await host.FailsAsync(HttpMethod.Patch, $"{A}/devices/policy", new { match = """identity.email == "a@b.example" """ }, 400), StringComparison.Ordinal);
        JsonNode renamed = await host.OkAsync(HttpMethod.Patch, $"{A}/devices/policy", new { name = "Everyone", allow_local_changes = true });
        Assert.True(renamed["default"]!.GetValue<bool>());
        Assert.True(renamed["allow_local_changes"]!.GetValue<bool>());
    }

    [Fact]
    public async Task TheOpenApiDocument_DescribesTheRoutes()
    {
        await using ControllerHost host = await StartAsync();

        JsonNode document = JsonNode.Parse(await host.Client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken))!;

        JsonObject paths = document["paths"]!.AsObject();
        foreach (string path in new[] { "/accounts/{account}/devices", "/accounts/{account}/devices/policy/include", "/accounts/{account}/devices/policy/{policy_id}", "/agent/v1/enrol", "/agent/v1/policy/stream" })
        {
            Assert.True(paths.ContainsKey(path), $"{path} is not in the document");
        }
    }
}

/// <summary>The API suite on SQLite, the default store.</summary>
public sealed class SqliteControllerApiTests : ControllerApiTests
{
    protected override Task<ControllerHost> StartAsync() => Task.FromResult(ControllerHost.Sqlite());
}

/// <summary>The API suite on a real PostgreSQL.</summary>
public sealed class PostgresControllerApiTests(PostgresCluster postgres) : ControllerApiTests, IClassFixture<PostgresCluster>
{
    protected override async Task<ControllerHost> StartAsync() => ControllerHost.Postgres(await postgres.CreateDatabaseAsync());
}
