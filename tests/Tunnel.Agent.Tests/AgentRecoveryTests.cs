using System.Runtime.Versioning;
using Microsoft.Extensions.Time.Testing;
using Tunnel.Agent.Configuration;
using Tunnel.Agent.Service;
using Tunnel.Connections;
using Tunnel.Platform.Linux;

namespace Tunnel.Agent.Tests;

/// <summary>Recovery from a dead run: each step on its own, a corrupt saved resolver moved aside, the configured table and mark.</summary>
public sealed class AgentRecoveryTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACorruptSavedResolver_DoesNotStopTheRoutesGoing_OrTheAgentStarting_AndIsReported()
    {
        int removals = 0;
        await using var failing = new AgentService(AgentServiceFixture.Settings(), new CorruptResolver(), _ => null!, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, removeStaleRoutes: _ => ++removals);

        await failing.RecoverAsync(Token);

        Assert.Equal(1, removals);
        Assert.Contains("recovering from an earlier run", failing.LastError, StringComparison.Ordinal);
        Assert.Contains("not a saved resolver", failing.LastError, StringComparison.Ordinal);
        Assert.False(failing.GetHealth().Healthy);
    }

    [Fact]
    public async Task RemovingRoutesFailing_DoesNotStopTheResolverBeingRestored()
    {
        var resolver = new RecordingResolver { IsApplied = true };
        await using var agent = AgentServiceFixture.Create(AgentServiceFixture.Settings(), resolver, _ => throw new IOException("netlink says no"));

        await agent.RecoverAsync(Token);

        Assert.Equal(["restore"], resolver.Calls);
        Assert.Contains("netlink says no", agent.LastError, StringComparison.Ordinal);
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task ACorruptResolvConfState_IsRenamedAside_WithTheTimeInItsName()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "The resolv.conf configurator is Linux's.");
        string directory = Directory.CreateTempSubdirectory("tar-").FullName;
        try
        {
            var options = new LinuxResolvConfOptions { Path = Path.Combine(directory, "resolv.conf"), StatePath = Path.Combine(directory, "saved") };
            await File.WriteAllTextAsync(options.Path, "nameserver 127.0.2.2\n", Token);
            await File.WriteAllTextAsync(options.StatePath, "garbage", Token);
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 17, 0, 0, TimeSpan.Zero));

            var outcome = await AgentRecovery.RestoreResolverAsync(new LinuxResolvConfConfigurator(options), options.Path, options.StatePath, time);

            Assert.Null(outcome.Done);
            Assert.Contains($"Moved it to {options.StatePath}.corrupt-20261205T170000Z", outcome.Problem, StringComparison.Ordinal);
            Assert.False(File.Exists(options.StatePath));
            Assert.Equal("garbage", await File.ReadAllTextAsync(options.StatePath + ".corrupt-20261205T170000Z", Token));
            Assert.Equal("nameserver 127.0.2.2\n", await File.ReadAllTextAsync(options.Path, Token)); // not guessed at
            Assert.Equal(default, await AgentRecovery.RestoreResolverAsync(new LinuxResolvConfConfigurator(options), options.Path, options.StatePath, time));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Reconnecting_BacksOffFromOneSecondDoublingToThirtySeconds()
    {
        var delays = new List<double>();
        for (var delay = AgentService.FirstReconnectDelay; delays.Count < 8; delay = AgentService.NextReconnectDelay(delay))
        {
            delays.Add(delay.TotalSeconds);
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], delays);
    }

    [Theory]
    [InlineData("", LinuxRouteTableOptions.DefaultTableId, LinuxRouteTableOptions.DefaultTableId)]
    [InlineData("FwMark = 0x4d2\\n", 1234u, LinuxRouteTableOptions.DefaultTableId)]
    [InlineData("FwMark = 1234\\nTable = 4321\\n", 1234u, 4321u)]
    [InlineData("Table = auto\\n", LinuxRouteTableOptions.DefaultTableId, LinuxRouteTableOptions.DefaultTableId)]
    public void TheTableAndMark_ComeFromTheTunnelsConf_ElseTheAgentsOwnDefaults(string extra, uint mark, uint table)
    {
        var settings = AgentConfigurationLoader.Parse(
            $$"""{ "interface": "corp0", "tunnel": { "text": "{{AgentServiceFixture.Conf.Replace("[Interface]\\n", "[Interface]\\n" + extra, StringComparison.Ordinal)}}" } }""",
            "agent.json",
            Path.GetTempPath());

        var options = AgentRecovery.TableOptions(settings);

        Assert.Equal(("corp0", mark, table, LinuxRouteTableOptions.DefaultRulePriority, LinuxRouteTableOptions.DefaultProtocol), (options.InterfaceName, options.FirewallMark, options.TableId, options.RulePriority, options.Protocol));
        Assert.NotEqual(51820u, LinuxRouteTableOptions.DefaultTableId); // wg-quick's
        Assert.DoesNotContain(LinuxRouteTableOptions.DefaultRulePriority, new uint[] { 32763, 32764, 32765 });
    }

    /// <summary>A resolver whose saved state is unreadable, as <see cref="LinuxResolvConfConfigurator"/> reports it.</summary>
    private sealed class CorruptResolver : ISystemResolverConfigurator
    {
        public bool IsApplied => true;

        public ValueTask ApplyAsync(SystemResolverSettings settings, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask RestoreAsync(CancellationToken cancellationToken) =>
            throw new InvalidDataException("/var/lib/tunnel/resolv.conf.saved is not a saved resolver configuration; it is left for an operator to inspect.");
    }
}
