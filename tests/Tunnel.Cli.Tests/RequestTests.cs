using System.Text.Json.Nodes;

namespace Tunnel.Cli.Tests;

/// <summary>Each command sends the request the local API contract describes, and nothing else.</summary>
public sealed class RequestTests
{
    [Theory]
    [InlineData("status", "GET", "/v1/status")]
    [InlineData("connect", "POST", "/v1/connect")]
    [InlineData("disconnect", "POST", "/v1/disconnect")]
    [InlineData("settings", "GET", "/v1/settings")]
    [InlineData("routes", "GET", "/v1/routes")]
    [InlineData("stats", "GET", "/v1/stats")]
    [InlineData("posture", "GET", "/v1/posture")]
    [InlineData("tunnel ip list", "GET", "/v1/split-tunnel")]
    [InlineData("tunnel host list", "GET", "/v1/split-tunnel")]
    [InlineData("dns fallback list", "GET", "/v1/dns/fallback-domains")]
    public async Task Command_sends_one_request_without_a_body(string command, string method, string path)
    {
        await using var agent = AgentWithAllAnswers();

        var run = await CliRun.AgainstAsync(agent, command.Split(' '));

        Assert.Equal(0, run.ExitCode);
        var request = Assert.Single(agent.Requests);
        Assert.Equal((method, path, "", ""), (request.Method, request.Path, request.Query, request.Body));
    }

    [Fact]
    public async Task Mode_puts_the_mode()
    {
        await using var agent = new FakeAgent().On("PUT", "/v1/mode", FakeResponse.Json(Samples.Disconnected));

        var run = await CliRun.AgainstAsync(agent, "mode", "posture-only");

        Assert.Equal(0, run.ExitCode);
        var request = Assert.Single(agent.Requests);
        Assert.Equal(("PUT", "/v1/mode"), (request.Method, request.Target));
        AssertJson("""{"mode":"posture-only"}""", request.Body);
    }

    [Fact]
    public async Task Tunnel_ip_add_posts_the_prefix_with_its_description_and_kind()
    {
        await using var agent = new FakeAgent().On("POST", "/v1/split-tunnel", FakeResponse.Json("""{"entry":"10.0.0.0/8","kind":"ip","description":"LAN"}""", 201));

        var run = await CliRun.AgainstAsync(agent, "tunnel", "ip", "add", "10.0.0.0/8", "--description", "LAN");

        Assert.Equal(0, run.ExitCode);
        var request = Assert.Single(agent.Requests);
        Assert.Equal(("POST", "/v1/split-tunnel"), (request.Method, request.Target));
        AssertJson("""{"entry":"10.0.0.0/8","description":"LAN","kind":"ip"}""", request.Body);
        Assert.Equal("Added 10.0.0.0/8 (LAN).", run.Stdout.Trim());
    }

    [Fact]
    public async Task Tunnel_host_add_posts_kind_host_and_leaves_out_a_missing_description()
    {
        await using var agent = new FakeAgent().On("POST", "/v1/split-tunnel", FakeResponse.Json("""{"entry":"*.example.com","kind":"host"}""", 201));

        var run = await CliRun.AgainstAsync(agent, "tunnel", "host", "add", "*.example.com");

        Assert.Equal(0, run.ExitCode);
        AssertJson("""{"entry":"*.example.com","kind":"host"}""", Assert.Single(agent.Requests).Body);
    }

    [Theory]
    [InlineData("host", "*.example.com", "%2A.example.com")]
    [InlineData("ip", "2001:db8::/32", "2001%3Adb8%3A%3A%2F32")]
    public async Task Tunnel_remove_deletes_the_entry_url_encoded(string kind, string entry, string encoded)
    {
        await using var agent = new FakeAgent().On("DELETE", "/v1/split-tunnel", new FakeResponse(204));

        var run = await CliRun.AgainstAsync(agent, "tunnel", kind, "remove", entry);

        Assert.Equal(0, run.ExitCode);
        var request = Assert.Single(agent.Requests);
        Assert.Equal(("DELETE", "/v1/split-tunnel", $"entry={encoded}", ""), (request.Method, request.Path, request.Query, request.Body));
        Assert.Equal(entry, Uri.UnescapeDataString(request.Query["entry=".Length..]));
        Assert.Equal($"Removed {entry}.", run.Stdout.Trim());
    }

    [Fact]
    public async Task Dns_fallback_add_posts_the_suffix_and_every_server()
    {
        await using var agent = new FakeAgent().On("POST", "/v1/dns/fallback-domains", FakeResponse.Json("""{"suffix":"corp.example.com","servers":["10.0.0.53","[fd00::53]:53"]}""", 201));

        var run = await CliRun.AgainstAsync(agent, "dns", "fallback", "add", "corp.example.com", "10.0.0.53", "[fd00::53]:53");

        Assert.Equal(0, run.ExitCode);
        var request = Assert.Single(agent.Requests);
        Assert.Equal(("POST", "/v1/dns/fallback-domains"), (request.Method, request.Target));
        AssertJson("""{"suffix":"corp.example.com","servers":["10.0.0.53","[fd00::53]:53"]}""", request.Body);
    }

    [Fact]
    public async Task Dns_fallback_remove_deletes_by_suffix()
    {
        await using var agent = new FakeAgent().On("DELETE", "/v1/dns/fallback-domains", new FakeResponse(204));

        var run = await CliRun.AgainstAsync(agent, "dns", "fallback", "remove", "corp.example.com");

        Assert.Equal(0, run.ExitCode);
        var request = Assert.Single(agent.Requests);
        Assert.Equal(("DELETE", "/v1/dns/fallback-domains?suffix=corp.example.com"), (request.Method, request.Target));
    }

    [Fact]
    public async Task Explain_asks_about_the_target_url_encoded()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/explain", FakeResponse.Json(Samples.Explain));

        var run = await CliRun.AgainstAsync(agent, "explain", "a b&c");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("/v1/explain?target=a%20b%26c", Assert.Single(agent.Requests).Target);
    }

    [Fact]
    public async Task Global_options_work_before_the_command_too()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/status", FakeResponse.Json(Samples.Status));

        var run = await CliRun.RunAsync(["--socket", agent.SocketPath, "--json", "status"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Single(agent.Requests);
        Assert.NotNull(JsonNode.Parse(run.Stdout));
    }

    [Fact]
    public async Task The_socket_defaults_to_TUNNEL_AGENT_SOCKET()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/status", FakeResponse.Json(Samples.Status));

        var run = await CliRun.RunAsync(["status"], name => name == "TUNNEL_AGENT_SOCKET" ? agent.SocketPath : null);

        Assert.Equal(0, run.ExitCode);
        Assert.Single(agent.Requests);
    }

    internal static FakeAgent AgentWithAllAnswers() => new FakeAgent()
        .On("GET", "/v1/status", FakeResponse.Json(Samples.Status))
        .On("POST", "/v1/connect", FakeResponse.Json(Samples.Status))
        .On("POST", "/v1/disconnect", FakeResponse.Json(Samples.Disconnected))
        .On("GET", "/v1/settings", FakeResponse.Json(Samples.Settings))
        .On("GET", "/v1/routes", FakeResponse.Json(Samples.Routes))
        .On("GET", "/v1/stats", FakeResponse.Json(Samples.Stats))
        .On("GET", "/v1/posture", FakeResponse.Json(Samples.Posture))
        .On("GET", "/v1/split-tunnel", FakeResponse.Json(Samples.SplitTunnel))
        .On("GET", "/v1/dns/fallback-domains", FakeResponse.Json(Samples.FallbackDomains));

    private static void AssertJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}, sent {actual}");
}
