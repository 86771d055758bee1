using Tunnel.Cli.Output;

namespace Tunnel.Cli.Tests;

/// <summary>tunnelctl prints what the agent says as text: a control character in it never reaches the terminal raw.</summary>
public sealed class ControlCharacterTests
{
    [Fact]
    public async Task A_description_with_escape_sequences_is_printed_escaped()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/split-tunnel", FakeResponse.Json(
            """[{"entry":"10.0.0.0/8","kind":"ip","description":"LAN\u001b]0;owned\u0007\r\u009b2J"}]"""));

        var run = await CliRun.AgainstAsync(agent, "tunnel", "ip", "list");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(@"LAN\x1B]0;owned\x07\x0D\x9B2J", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Stdout, c => c != '\n' && char.IsControl(c));
    }

    [Fact]
    public async Task An_error_message_with_control_characters_is_printed_escaped()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/status", FakeResponse.Json("""{"error":"bad\u001b[31m thing\u0000"}""", 500));

        var run = await CliRun.AgainstAsync(agent, "status");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(@"bad\x1B[31m thing\x00", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Stderr, c => c != '\n' && char.IsControl(c));
    }

    [Fact]
    public async Task Watch_events_are_printed_escaped()
    {
        await using var agent = new FakeAgent().On("GET", "/v1/watch", new FakeResponse(200, StreamLines:
            ["""{"time":"2026-01-01T00:00:00Z","type":"setting","message":"added \u001b[2Kentry"}"""]));

        var run = await CliRun.AgainstAsync(agent, "watch");

        Assert.Contains(@"added \x1B[2Kentry", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Stdout, c => c != '\n' && char.IsControl(c));
    }

    [Theory]
    [InlineData("plain text\n", "plain text\n")]
    [InlineData("tab\there", @"tab\x09here")]
    [InlineData("bidi\u202Eok \u0085", "bidi\u202Eok \\x85")]
    public void Escape_keeps_line_feeds_and_escapes_every_other_control_character(string text, string expected) =>
        Assert.Equal(expected, ControlCharacterEscapingWriter.Escape(text));
}
