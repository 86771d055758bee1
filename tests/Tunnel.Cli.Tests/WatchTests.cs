using System.Globalization;
using System.Text.Json.Nodes;

namespace Tunnel.Cli.Tests;

/// <summary><c>watch</c> follows the event stream until the agent ends it or the user presses Ctrl+C.</summary>
public sealed class WatchTests
{
    [Fact]
    public async Task Watch_prints_a_line_per_event_and_exits_0_when_the_agent_closes_the_stream()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/watch", new FakeResponse(200, StreamLines: Samples.Events));

        var run = await CliRun.AgainstAsync(agent, "watch");

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Stderr);
        Assert.Equal(
            [
                $"{Local("2025-03-01T08:00:00+00:00")} status        connected in exclude mode",
                $"{Local("2025-03-01T08:00:05+00:00")} route-added   203.0.113.7 via tunnel (api.example.com)",
                $"{Local("2025-03-01T08:00:09+00:00")} setting       mode changed to include",
            ],
            OutputTests.Lines(run.Stdout));
        Assert.Equal(("GET", "/v1/watch"), (Assert.Single(agent.Requests).Method, agent.Requests[0].Target));
    }

    [Fact]
    public async Task Watch_json_prints_each_event_as_sent_on_one_line()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/watch", new FakeResponse(200, StreamLines: Samples.Events));

        var run = await CliRun.AgainstAsync(agent, "watch", "--json");

        Assert.Equal(0, run.ExitCode);
        string[] lines = OutputTests.Lines(run.Stdout);
        Assert.Equal(Samples.Events.Length, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Samples.Events[i]), JsonNode.Parse(lines[i])), lines[i]);
        }
    }

    [Fact]
    public async Task Ctrl_C_ends_a_watch_with_exit_0()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/watch", new FakeResponse(200, StreamLines: Samples.Events[..1], KeepOpen: true));
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        interrupt.CancelAfter(TimeSpan.FromMilliseconds(500));

        var run = await CliRun.RunUntilAsync(["watch", "--socket", agent.SocketPath], environment: null, interrupt.Token);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("connected in exclude mode", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_refused_by_the_agent_exits_with_its_code()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/watch", FakeResponse.Error(403, "denied"));

        var run = await CliRun.AgainstAsync(agent, "watch");

        Assert.Equal(ExitCodes.AccessDenied, run.ExitCode);
    }

    private static string Local(string time) =>
        DateTimeOffset.Parse(time, CultureInfo.InvariantCulture).ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
