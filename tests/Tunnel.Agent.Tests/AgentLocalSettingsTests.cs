using System.Net;
using Tunnel.Agent.Configuration;
using Tunnel.LocalApi;

namespace Tunnel.Agent.Tests;

public sealed class AgentLocalSettingsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tls-").FullName;

    private string FilePath => Path.Combine(_directory, "state", "local-settings.json");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ChangesThroughTheApi_AreSaved_AndLaidOverTheFileAtTheNextStart_AsLocal()
    {
        var fromFile = AgentServiceFixture.Settings("exclude");
        await using (var agent = AgentServiceFixture.Create(fromFile, localSettingsFile: FilePath))
        {
            await agent.AddEntryAsync(new SplitTunnelEntryRequest("192.168.7.0/24", "lab \"bench\""), Token);
            await agent.SetModeAsync("include", Token);
            await agent.AddFallbackDomainAsync(new FallbackDomainEntry("corp.test", ["10.0.0.53", "10.0.0.54:5353"]), Token);
        }

        var restarted = AgentLocalSettings.Apply(fromFile, FilePath);

        Assert.Equal(AgentMode.Include, restarted.Mode);
        Assert.Equal(["10.0.0.0/8", "*.zoom.us", "192.168.7.0/24"], restarted.SplitTunnel.Select(rule => rule.ToString()));
        Assert.Equal("lab \"bench\"", restarted.SplitTunnel[2].Description);
        Assert.Equal([IPEndPoint.Parse("10.0.0.53:53"), IPEndPoint.Parse("10.0.0.54:5353")], Assert.Single(restarted.DnsFallbackDomains).Servers);
        Assert.Equal(fromFile.DnsUpstreams, restarted.DnsUpstreams);
        Assert.Equal([SettingSource.Local, SettingSource.Local, SettingSource.Local, SettingSource.ConfigFile],
            new[] { "mode", "splitTunnel", "dns.fallbackDomains", "dns.upstreams" }.Select(restarted.SourceOf));
        Assert.Equal(fromFile.Tunnel, restarted.Tunnel);
    }

    [Fact]
    public void NoFile_LeavesTheSettingsAsTheyAre()
    {
        var settings = AgentServiceFixture.Settings();

        Assert.Same(settings, AgentLocalSettings.Apply(settings, FilePath));
    }

    [Theory]
    [InlineData("""{ "mode": "sideways" }""", "$.mode: must be exclude, include or posture-only")]
    [InlineData("""{ "interface": "other0" }""", "'interface' cannot be a local change")]
    [InlineData("""{ "mode": """, "not valid JSON")]
    public void ABadFile_IsRefusedWithItsNameAndTheReason(string text, string reason)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, text);

        var error = Assert.Throws<AgentConfigurationException>(() => AgentLocalSettings.Apply(AgentServiceFixture.Settings(), FilePath));

        Assert.Contains(FilePath, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyLocalChanges_AreWritten()
    {
        var settings = AgentServiceFixture.Settings().WithLocalChange("dns.upstreams", s => s with { DnsUpstreams = [IPEndPoint.Parse("192.0.2.1:53")] });

        string text = System.Text.Encoding.UTF8.GetString(AgentLocalSettings.Serialize(settings));

        Assert.Contains("\"upstreams\"", text, StringComparison.Ordinal);
        Assert.Contains("\"192.0.2.1\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("splitTunnel", text, StringComparison.Ordinal);
        Assert.DoesNotContain("mode", text, StringComparison.Ordinal);
    }
}
