using System.Text.Json.Nodes;

namespace Tunnel.Cli.Tests;

/// <summary>What people and scripts read: tables and blocks, or the agent's JSON.</summary>
public sealed class OutputTests
{
    [Fact]
    public async Task Status_shows_state_mode_gateway_handshake_transfer_and_routes()
    {
        await using var agent = RequestTests.AgentWithAllAnswers();

        var run = await CliRun.AgainstAsync(agent, "status");

        Assert.Equal(0, run.ExitCode);
        string[] lines = Lines(run.Stdout);
        Assert.Contains("State:           connected", lines);
        Assert.Contains("Mode:            exclude", lines);
        Assert.Contains("Gateway:         192.0.2.1:51820", lines);
        Assert.Contains("Handshake:       12 s ago", lines);
        Assert.Contains("Transfer:        1.2 MiB received, 340 KiB sent", lines);
        Assert.Contains("Learned routes:  3", lines);
        Assert.Contains("DNS:             127.0.0.53:53 (42 queries)", lines);
    }

    [Fact]
    public async Task Status_leaves_out_what_a_disconnected_agent_does_not_have()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/status", FakeResponse.Json(Samples.Disconnected));

        var run = await CliRun.AgainstAsync(agent, "status");

        Assert.Contains("State:          disconnected", Lines(run.Stdout));
        Assert.DoesNotContain("Gateway", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Handshake", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status", Samples.Status)]
    [InlineData("routes", Samples.Routes)]
    [InlineData("stats", Samples.Stats)]
    [InlineData("posture", Samples.Posture)]
    [InlineData("dns fallback list", Samples.FallbackDomains)]
    public async Task Json_prints_exactly_what_the_agent_sent(string command, string sent)
    {
        await using var agent = RequestTests.AgentWithAllAnswers();

        var run = await CliRun.AgainstAsync(agent, [.. command.Split(' '), "--json"]);

        Assert.Equal(0, run.ExitCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(sent), JsonNode.Parse(run.Stdout)), run.Stdout);
        Assert.Contains("\n  ", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tunnel_ip_list_shows_only_ip_entries()
    {
        await using var agent = RequestTests.AgentWithAllAnswers();

        var run = await CliRun.AgainstAsync(agent, "tunnel", "ip", "list");

        Assert.Equal(["PREFIX         DESCRIPTION", "10.0.0.0/8     LAN", "2001:db8::/32"], Lines(run.Stdout));
    }

    [Fact]
    public async Task Tunnel_host_list_json_keeps_only_host_entries()
    {
        await using var agent = RequestTests.AgentWithAllAnswers();

        var run = await CliRun.AgainstAsync(agent, "tunnel", "host", "list", "--json");

        var expected = JsonNode.Parse("""[{"entry":"*.example.com","kind":"host","description":"Intranet"}]""");
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(run.Stdout)), run.Stdout);
    }

    [Theory]
    [InlineData("tunnel ip list", "/v1/split-tunnel", "No split-tunnel IP entries.")]
    [InlineData("tunnel host list", "/v1/split-tunnel", "No split-tunnel host entries.")]
    [InlineData("dns fallback list", "/v1/dns/fallback-domains", "No DNS fallback domains.")]
    [InlineData("routes", "/v1/routes", "No learned routes.")]
    public async Task An_empty_list_says_so(string command, string path, string message)
    {
        await using var agent = new FakeAgent().On("GET", path, FakeResponse.Json("[]"));

        var run = await CliRun.AgainstAsync(agent, command.Split(' '));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(message, run.Stdout.Trim());
    }

    [Fact]
    public async Task Routes_show_address_decision_expiry_and_names()
    {
        await using var agent = RequestTests.AgentWithAllAnswers();

        var run = await CliRun.AgainstAsync(agent, "routes");

        Assert.Equal(
            [
                "ADDRESS      DECISION           EXPIRES IN  LAST USED  NAMES",
                "203.0.113.7  tunnel             4 min 10 s  3 s ago    api.example.com (*.example.com)",
                "2001:db8::7  direct (shadowed)  1 h 1 min   never      cdn.example.net (example.net), static.example.net (example.net)",
            ],
            Lines(run.Stdout));
    }

    [Fact]
    public async Task Settings_show_value_source_and_whether_live()
    {
        await using var agent = RequestTests.AgentWithAllAnswers();

        var run = await CliRun.AgainstAsync(agent, "settings");

        Assert.Equal(
            [
                "NAME        VALUE          SOURCE       LIVE",
                "mode        exclude        config-file  yes",
                "dns.listen  127.0.0.53:53  default      no",
            ],
            Lines(run.Stdout));
    }

    [Fact]
    public async Task Explain_shows_the_decision_and_the_reason()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/explain", FakeResponse.Json(Samples.Explain));

        var run = await CliRun.AgainstAsync(agent, "explain", "api.example.com");

        string[] lines = Lines(run.Stdout);
        Assert.Contains("Decision:    tunnel", lines);
        Assert.Contains("Rule:        *.example.com", lines);
        Assert.Equal("api.example.com matches *.example.com, which is excluded from the direct path.", lines[^1]);
    }

    [Fact]
    public async Task Stats_and_posture_print_their_blocks()
    {
        await using var agent = RequestTests.AgentWithAllAnswers();

        var stats = await CliRun.AgainstAsync(agent, "stats");
        var posture = await CliRun.AgainstAsync(agent, "posture");

        Assert.Contains("  Dropped (replay):    1", Lines(stats.Stdout));
        Assert.Contains("  Uptime:      1 h 2 min", Lines(stats.Stdout));
        Assert.DoesNotContain("Routes", Lines(stats.Stdout));
        Assert.Contains("  Refused over limit: 3", Lines(stats.Stdout));
        Assert.Contains("  Connections:        1 open of 64", Lines(stats.Stdout));
        Assert.Contains("Disk encryption:  enabled", Lines(posture.Stdout));
        Assert.Contains("  firewall:       nft not found", Lines(posture.Stdout));
    }

    [Fact]
    public async Task Connect_and_mode_print_the_new_status()
    {
        await using var agent = RequestTests.AgentWithAllAnswers().On("PUT", "/v1/mode", FakeResponse.Json(Samples.Disconnected));

        var connect = await CliRun.AgainstAsync(agent, "connect");
        var mode = await CliRun.AgainstAsync(agent, "mode", "include");

        Assert.Contains("State:           connected", Lines(connect.Stdout));
        Assert.Contains("Mode:           include", Lines(mode.Stdout));
    }

    internal static string[] Lines(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
}
