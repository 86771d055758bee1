using System.Net;
using Tunnel.Connections;
using Tunnel.Platform.Windows;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform.Tests.Windows;

/// <summary>The Windows resolver backend against an in-memory DNS client: the adapter's servers, NRPT rules that are ours only, and a crash's rules removed by the next process.</summary>
public sealed class WindowsResolverBackendTests
{
    private static readonly WindowsResolverOptions Options = new()
    {
        InterfaceName = "wg0",
        DomainServers = new Dictionary<string, IReadOnlyList<IPAddress>>
        {
            ["Corp.Example."] = [IPAddress.Parse("10.9.0.53")],
            ["lab.example"] = [IPAddress.Parse("10.9.0.54"), IPAddress.Parse("fd00:9::54")],
        },
    };

    [Fact]
    public void Apply_SetsTheAdaptersServers_AndOneRulePerDomain_AndRestoreRemovesOnlyOurs()
    {
        var system = new FakeWindowsDnsSystem();
        system.Rules["{3F2504E0-4F89-11D3-9A0C-0305E82C3301}"] = ("other.example", [IPAddress.Parse("192.0.2.53")]); // another program's
        var backend = new WindowsResolverBackend(Options, system);

        backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1"), IPAddress.Parse("fd00:9::1")], ["corp.example"]));

        Assert.True(backend.IsApplied);
        Assert.Equal([IPAddress.Parse("10.9.0.1"), IPAddress.Parse("fd00:9::1")], system.Interfaces["wg0"].Servers);
        Assert.Equal("corp.example", system.Rules["Tunnel-wg0-0"].Domain);
        Assert.Equal([IPAddress.Parse("10.9.0.53")], system.Rules["Tunnel-wg0-0"].Servers);
        Assert.Equal("lab.example", system.Rules["Tunnel-wg0-1"].Domain);
        Assert.Equal(1, system.Flushes);

        backend.Restore();

        Assert.False(backend.IsApplied);
        Assert.Empty(system.Interfaces["wg0"].Servers);
        Assert.Equal(["{3F2504E0-4F89-11D3-9A0C-0305E82C3301}"], system.Rules.Keys);
    }

    [Fact]
    public void RulesLeftByAProcessThatDied_AreFoundAndRemovedByTheNext_EvenWithTheAdapterGone()
    {
        var system = new FakeWindowsDnsSystem();
        new WindowsResolverBackend(Options, system).Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1")], []));
        system.InterfaceGone = true; // the adapter went with the process

        var next = new WindowsResolverBackend(Options, system);
        Assert.True(next.IsApplied);
        next.Restore();

        Assert.Empty(system.Rules);
    }

    [Fact]
    public void GroupPolicyRules_AreAClearError_BeforeAnythingChanges()
    {
        var system = new FakeWindowsDnsSystem { GroupPolicyRulesExist = true };
        var backend = new WindowsResolverBackend(Options, system);

        IOException error = Assert.Throws<IOException>(() => backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1")], [])));

        Assert.Contains("Group policy", error.Message, StringComparison.Ordinal);
        Assert.Empty(system.Rules);
        Assert.Empty(system.Interfaces);
        Assert.False(backend.IsApplied);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a b.example")]
    [InlineData("x\\y")]
    public void DomainsThatAreNotNames_AreRefused(string domain)
    {
        var system = new FakeWindowsDnsSystem();
        var backend = new WindowsResolverBackend(Options with { DomainServers = new Dictionary<string, IReadOnlyList<IPAddress>> { [domain] = [IPAddress.Loopback] } }, system);
        Assert.Throws<ArgumentException>(() => backend.Apply(new SystemResolverSettings([IPAddress.Parse("10.9.0.1")], [])));
        Assert.Empty(system.Rules);
    }
}
