using System.Net;
using Tunnel.Agent.Configuration;
using Tunnel.Agent.Service;
using Tunnel.LocalApi;

namespace Tunnel.Agent.Tests;

/// <summary>A change is checked whole, applied, then saved; a failure at any step leaves the previous value in effect and on disk.</summary>
public sealed class SettingsAllOrNothingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tla-all-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string LocalFile => Path.Combine(_directory, "local-settings.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ApplyingFails_TheChangeIsRefused_AndNothingIsSaved()
    {
        await using var agent = AgentServiceFixture.Create(AgentServiceFixture.Settings("posture-only", tunnel: false), localSettingsFile: LocalFile);
        await agent.ConnectAsync(Token);

        var refused = await Assert.ThrowsAsync<AgentRequestException>(() => agent.SetModeAsync("exclude", Token));

        Assert.DoesNotContain("changed, but", refused.Message, StringComparison.Ordinal);
        Assert.Equal(AgentMode.PostureOnly, agent.Settings.Mode);
        Assert.Equal(ConnectionStates.PostureOnly, agent.State);
        Assert.False(File.Exists(LocalFile));
    }

    [Fact]
    public async Task SavingFails_TheChangeIsRefused_AndThePreviousValueStaysInEffect()
    {
        string blocker = Path.Combine(_directory, "a-file");
        File.WriteAllText(blocker, "not a directory");
        await using var agent = AgentServiceFixture.Create(AgentServiceFixture.Settings(), localSettingsFile: Path.Combine(blocker, "local-settings.json"));

        var refused = await Assert.ThrowsAsync<AgentRequestException>(() => agent.SetUpstreamsAsync(["1.1.1.1"], Token));

        Assert.Equal(500, refused.StatusCode);
        Assert.StartsWith("dns.upstreams not changed: it could not be saved", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["192.0.2.53"], agent.GetUpstreams().Servers);
        Assert.Equal(SettingSource.ConfigFile, agent.Settings.SourceOf("dns.upstreams"));
    }

    [Theory]
    [InlineData("255.255.255.255")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.251")]
    [InlineData("ff02::fb")]
    public async Task AnUpstreamThePolicyCannotUse_IsABadRequest_AndNeverSaved(string server)
    {
        await using var agent = AgentServiceFixture.Create(AgentServiceFixture.Settings(), localSettingsFile: LocalFile);

        var refused = await Assert.ThrowsAsync<AgentRequestException>(() => agent.SetUpstreamsAsync([server], Token));

        Assert.Equal(400, refused.StatusCode);
        Assert.Contains("cannot be a DNS server", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["192.0.2.53"], agent.GetUpstreams().Servers);
        Assert.False(File.Exists(LocalFile));
        Assert.Null(agent.LastError);
    }

    [Fact]
    public void SettingsThatMakeNoValidPolicy_AreRefusedByTheCheck()
    {
        var settings = AgentServiceFixture.Settings();
        var twice = Routing.SplitTunnelRule.Parse("192.168.9.0/24");

        Assert.StartsWith("the settings do not make a valid policy", AgentLimits.Check(settings with { SplitTunnel = [twice, twice] }), StringComparison.Ordinal);
        Assert.Null(AgentLimits.Check(settings));
    }

    [Theory]
    [InlineData(257, null, "at most 256 characters")]
    [InlineData(10, "\u001b[2J", "control characters")]
    [InlineData(10, "\n", "control characters")]
    public async Task ALongOrControlCharacterDescription_IsRefused_AndNeverSaved(int length, string? suffix, string reason)
    {
        await using var agent = AgentServiceFixture.Create(AgentServiceFixture.Settings(), localSettingsFile: LocalFile);

        var refused = await Assert.ThrowsAsync<AgentRequestException>(() => agent.AddEntryAsync(new SplitTunnelEntryRequest("192.168.9.0/24", new string('d', length) + suffix), Token));

        Assert.Equal(400, refused.StatusCode);
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, agent.Settings.SplitTunnel.Count);
        Assert.False(File.Exists(LocalFile));
    }

    [Fact]
    public void EveryCountIsBounded()
    {
        var settings = AgentServiceFixture.Settings();
        var many = Enumerable.Range(0, AgentLimits.MaxSplitTunnelEntries + 1).Select(i => Routing.SplitTunnelRule.Parse($"10.{i / 256}.{i % 256}.0/24")).ToList();
        var servers = Enumerable.Range(1, AgentLimits.MaxServers + 1).Select(i => new IPEndPoint(IPAddress.Parse($"192.0.2.{i}"), 53)).ToList();

        Assert.Contains("split-tunnel entries", AgentLimits.Check(settings with { SplitTunnel = many }), StringComparison.Ordinal);
        Assert.Contains("DNS servers", AgentLimits.Check(settings with { DnsUpstreams = servers }), StringComparison.Ordinal);
        Assert.Null(AgentLimits.Check(settings with { SplitTunnel = many[..AgentLimits.MaxSplitTunnelEntries] }));
    }

    [Fact]
    public void TheConfigurationFile_IsHeldToTheSameLimits()
    {
        var error = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Parse(
            $$"""{ "splitTunnel": [ { "entry": "10.0.0.0/8", "description": "{{new string('x', 300)}}" } ], "dns": { "upstreams": [ "192.0.2.53" ] } }""", "agent.json", "."));
        var broadcast = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Parse("""{ "dns": { "upstreams": [ "255.255.255.255" ] } }""", "agent.json", "."));

        Assert.Contains("$.splitTunnel[0].description: a description has at most 256 characters", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be a DNS server", broadcast.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"mode\": ")]
    [InlineData("""{ "dns": { "upstreams": [ "255.255.255.255" ] } }""")]
    [InlineData("\0\0\0garbage")]
    public void ACorruptLocalSettingsFile_IsMovedAside_AndTheAgentStartsWithTheConfigurationFile(string text)
    {
        File.WriteAllText(LocalFile, text);
        var fromFile = AgentServiceFixture.Settings();

        var settings = AgentLocalSettings.ApplyOrSetAside(fromFile, LocalFile, new DateTimeOffset(2026, 12, 5, 17, 0, 0, TimeSpan.Zero), out string? report);

        Assert.Same(fromFile, settings);
        Assert.False(File.Exists(LocalFile));
        string aside = LocalFile + ".corrupt-20261205T170000Z";
        Assert.Equal(text, File.ReadAllText(aside));
        Assert.StartsWith($"local settings ignored and moved to {aside}: {LocalFile}", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACorruptLocalSettingsFile_IsReportedByTheAgent()
    {
        await using var agent = AgentServiceFixture.Create(AgentServiceFixture.Settings());

        agent.ReportProblem("local settings ignored and moved to x.corrupt: bad");

        Assert.Equal("local settings ignored and moved to x.corrupt: bad", agent.GetStatus().LastError);
        Assert.False(agent.GetHealth().Healthy);
    }
}
