using System.Net;
using System.Text.Json;
using Tunnel.Agent.Configuration;
using Tunnel.Agent.Service;
using Tunnel.ControlPlane;
using Tunnel.LocalApi;

namespace Tunnel.Agent.Tests;

/// <summary>
/// The controller's policy in the agent: applied live with the source <c>policy</c>; beating local changes (which the
/// local API then refuses) unless its profile allows them, when a local change keeps its value; and read from the
/// controller's snapshot as the agent's settings.
/// </summary>
public sealed class AgentPolicyTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APolicy_SetsModeEntriesAndFallbackDomains_WithTheSourcePolicy()
    {
        await using AgentService agent = AgentServiceFixture.Create(AgentServiceFixture.Settings());

        await agent.ApplyPolicyAsync(ControllerPolicy.From(Snapshot(version: 4, mode: "include", include: ["10.20.0.0/16", "*.eng.corp.example"])), Token);

        Assert.Equal(AgentMode.Include, agent.Settings.Mode);
        Assert.Equal(["10.20.0.0/16", "*.eng.corp.example"], agent.Settings.SplitTunnel.Select(rule => rule.ToString()));
        Assert.Equal("corp.example", Assert.Single(agent.Settings.DnsFallbackDomains).Suffix);
        IReadOnlyList<SettingEntry> settings = agent.GetSettings();
        foreach (string name in new[] { "mode", "splitTunnel", "dns.fallbackDomains" })
        {
            Assert.Equal("policy", settings.Single(setting => setting.Name == name).Source);
        }

        Assert.Equal("config-file", settings.Single(setting => setting.Name == "dns.upstreams").Source);
        Assert.Equal(4, agent.Policy!.Version);
    }

    [Fact]
    public async Task APolicyThatAllowsNoLocalChanges_BeatsThem_AndTheLocalApiRefusesNewOnes()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("tunnel-agent-policy-").FullName, "local.json");
        await using AgentService agent = AgentServiceFixture.Create(AgentServiceFixture.Settings(), localSettingsFile: file);
        await agent.SetModeAsync("include", Token);
        Assert.Contains("\"mode\"", await File.ReadAllTextAsync(file, Token), StringComparison.Ordinal);

        await agent.ApplyPolicyAsync(ControllerPolicy.From(Snapshot(version: 1, mode: "exclude", exclude: ["192.168.0.0/16"])), Token);

        Assert.Equal(AgentMode.Exclude, agent.Settings.Mode);
        Assert.DoesNotContain("\"mode\"", await File.ReadAllTextAsync(file, Token), StringComparison.Ordinal); // the policy won it
        AgentRequestException refused = await Assert.ThrowsAsync<AgentRequestException>(() => agent.SetModeAsync("include", Token));
        Assert.Equal(403, refused.StatusCode);
        Assert.Contains("set by the controller's policy (Engineering)", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AgentRequestException>(() => agent.AddEntryAsync(new SplitTunnelEntryRequest("10.9.0.0/16", null, null), Token));
        Assert.Equal(["192.168.0.0/16"], agent.Settings.SplitTunnel.Select(rule => rule.ToString()));

        // dns.upstreams is not the policy's: still the device's to change.
        await agent.SetUpstreamsAsync(["192.0.2.99"], Token);
    }

    [Fact]
    public async Task APolicyThatAllowsLocalChanges_LeavesThemStanding()
    {
        await using AgentService agent = AgentServiceFixture.Create(AgentServiceFixture.Settings());
        await agent.ApplyPolicyAsync(ControllerPolicy.From(Snapshot(version: 1, mode: "exclude", exclude: ["192.168.0.0/16"], allowLocal: true)), Token);

        await agent.SetModeAsync("posture-only", Token);
        await agent.ApplyPolicyAsync(ControllerPolicy.From(Snapshot(version: 2, mode: "exclude", exclude: ["172.16.0.0/12"], allowLocal: true)), Token);

        Assert.Equal(AgentMode.PostureOnly, agent.Settings.Mode);
        Assert.Equal("local", agent.GetSettings().Single(setting => setting.Name == "mode").Source);
        Assert.Equal(["172.16.0.0/12"], agent.Settings.SplitTunnel.Select(rule => rule.ToString()));
        Assert.Equal("policy", agent.GetSettings().Single(setting => setting.Name == "splitTunnel").Source);
    }

    [Fact]
    public async Task APolicyBeyondTheAgentsLimits_IsRefused_AndThePreviousSettingsStay()
    {
        await using AgentService agent = AgentServiceFixture.Create(AgentServiceFixture.Settings());
        AgentSettings before = agent.Settings;
        string[] tooMany = [.. Enumerable.Range(0, AgentLimits.MaxSplitTunnelEntries + 1).Select(i => $"10.{i / 256}.{i % 256}.0/24")];

        await Assert.ThrowsAsync<AgentRequestException>(() => agent.ApplyPolicyAsync(ControllerPolicy.From(Snapshot(version: 1, mode: "exclude", exclude: tooMany)), Token));

        Assert.Same(before, agent.Settings);
        Assert.Null(agent.Policy);
    }

    [Fact]
    public void ASnapshot_IsReadAsTheAgentsSettings_TheModesListOnly()
    {
        ControllerPolicy include = ControllerPolicy.From(Snapshot(version: 1, mode: "include", include: ["10.0.0.0/8"], exclude: ["192.168.0.0/16"]));
        Assert.Equal(["10.0.0.0/8"], include.SplitTunnel.Select(rule => rule.ToString()));
        ControllerPolicy posture = ControllerPolicy.From(Snapshot(version: 1, mode: "posture-only", exclude: ["192.168.0.0/16"]));
        Assert.Equal(AgentMode.PostureOnly, posture.Mode);

        // A domain for the device's default servers needs no entry of its own; a bad entry is not applied at all.
        Assert.Single(include.FallbackDomains);
        Assert.Throws<FormatException>(() => ControllerPolicy.From(Snapshot(version: 1, mode: "exclude", exclude: ["10.0.0.0/40"])));
        Assert.Throws<FormatException>(() => ControllerPolicy.From(Snapshot(version: 1, mode: "sideways")));
    }

    internal static PolicySnapshot Snapshot(long version, string mode, string[]? include = null, string[]? exclude = null, bool allowLocal = false) => new(
        version,
        Guid.NewGuid(),
        Guid.NewGuid(),
        "Engineering",
        mode,
        allowLocal,
        [.. (include ?? []).Select(Entry)],
        [.. (exclude ?? []).Select(Entry)],
        [new SnapshotFallbackDomain("corp.example", ["10.0.0.53"]), new SnapshotFallbackDomain("home.arpa", [])]);

    internal static string Json(PolicySnapshot snapshot) => JsonSerializer.Serialize(snapshot, ControlPlaneJsonContext.Default.PolicySnapshot);

    private static SnapshotEntry Entry(string text) => IPNetwork.TryParse(text, out _) || text.Contains('/', StringComparison.Ordinal)
        ? new SnapshotEntry(text, null, "")
        : new SnapshotEntry(null, text, "");
}
