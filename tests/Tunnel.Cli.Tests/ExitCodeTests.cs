using System.Net.Sockets;

namespace Tunnel.Cli.Tests;

/// <summary>Every way a command can fail ends with its documented exit code and one clear line on stderr.</summary>
public sealed class ExitCodeTests
{
    [Fact]
    public async Task A_missing_socket_means_the_agent_is_not_running()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tctl-missing-{Guid.NewGuid():N}"[..20] + ".sock");

        var run = await CliRun.RunAsync(["status", "--socket", path]);

        Assert.Equal(ExitCodes.NotRunning, run.ExitCode);
        Assert.Equal($"tunnelctl: the agent is not running (no socket at {path})", run.Stderr.Trim());
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_means_the_agent_is_not_running()
    {
        // What a crashed agent leaves behind: the file is there, the listener is gone.
        string path = Path.Combine(Path.GetTempPath(), $"tctl-stale-{Guid.NewGuid():N}"[..18] + ".sock");
        using (var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            stale.Bind(new UnixDomainSocketEndPoint(path));
        }

        try
        {
            var run = await CliRun.RunAsync(["status", "--socket", path]);

            Assert.Equal(ExitCodes.NotRunning, run.ExitCode);
            Assert.StartsWith("tunnelctl: the agent is not running", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Http_403_is_access_denied_and_says_who_may_use_the_agent()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/status", FakeResponse.Error(403, "access denied: the local API is for root, the agent's user and members of group 'tunnel'"));

        var run = await CliRun.AgainstAsync(agent, "status");

        Assert.Equal(ExitCodes.AccessDenied, run.ExitCode);
        Assert.Equal("tunnelctl: access denied: the local API is for root, the agent's user and members of group 'tunnel'", run.Stderr.Trim());
    }

    [Fact]
    public async Task Http_403_without_the_agents_words_still_says_who_may_use_the_agent()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/status", FakeResponse.Json("{}", 403));

        var run = await CliRun.AgainstAsync(agent, "status");

        Assert.Equal(ExitCodes.AccessDenied, run.ExitCode);
        Assert.Equal($"tunnelctl: access denied: only root and members of the agent's group may use the agent at {agent.SocketPath}", run.Stderr.Trim());
    }

    [Theory]
    [InlineData(400, "'10.0.0.0/33' is not a prefix")]
    [InlineData(404, "10.0.0.0/8 is not in the list")]
    [InlineData(409, "already connected")]
    [InlineData(500, "the TUN device could not be opened")]
    public async Task An_agent_error_exits_1_with_the_agents_text(int status, string error)
    {
        await using var agent = new FakeAgent().On("POST", "/v1/connect", FakeResponse.Error(status, error));

        var run = await CliRun.AgainstAsync(agent, "connect");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Equal($"tunnelctl: {error}", run.Stderr.Trim());
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task An_error_without_the_contracts_body_names_the_status()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/stats", new FakeResponse(502, "<html>bad gateway</html>"));

        var run = await CliRun.AgainstAsync(agent, "stats");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Equal("tunnelctl: the agent answered 502 BadGateway", run.Stderr.Trim());
    }

    [Fact]
    public async Task An_answer_that_is_not_the_contracts_json_exits_1()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/status", FakeResponse.Json("""{"state":"""));

        var run = await CliRun.AgainstAsync(agent, "status");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.StartsWith("tunnelctl: the agent's answer is not valid JSON", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mode sideways")]
    [InlineData("mode")]
    [InlineData("frobnicate")]
    [InlineData("")]
    [InlineData("status extra")]
    [InlineData("tunnel ip add not-an-ip")]
    [InlineData("tunnel ip add 10.0.0.1/8")]
    [InlineData("tunnel ip add 10.0.0.0/33")]
    [InlineData("tunnel ip add 10.1")]
    [InlineData("tunnel ip remove example.com")]
    [InlineData("tunnel host add")]
    [InlineData("dns fallback add corp.example.com")]
    [InlineData("dns fallback add corp.example.com ns1.example.com")]
    [InlineData("dns fallback add corp.example.com 10.0.0.53:0")]
    [InlineData("explain")]
    public async Task A_usage_error_exits_2_before_any_request(string command)
    {
        await using var agent = RequestTests.AgentWithAllAnswers();

        var run = await CliRun.AgainstAsync(agent, command.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("tunnelctl: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help' for usage.", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(agent.Requests);
    }

    [Fact]
    public async Task A_bad_prefix_is_named_with_what_was_probably_meant()
    {
        var run = await CliRun.RunAsync(["tunnel", "ip", "add", "192.168.1.1/24"]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("did you mean 192.168.1.0/24?", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("mode --help")]
    [InlineData("tunnel ip add --help")]
    public async Task Help_exits_0_without_a_request(string command)
    {
        await using var agent = RequestTests.AgentWithAllAnswers();

        var run = await CliRun.AgainstAsync(agent, command.Split(' '));

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("Usage:", run.Stdout, StringComparison.Ordinal);
        Assert.Empty(agent.Requests);
    }

    [Fact]
    public async Task Help_documents_the_exit_codes()
    {
        var run = await CliRun.RunAsync(["--help"]);

        string[] help = OutputTests.Lines(run.Stdout).Select(line => line.Trim()).ToArray();
        Assert.All(OutputTests.Lines(ExitCodes.HelpText), line => Assert.Contains(line.Trim(), help));
    }
}
