using Tunnel.Agent.Configuration;

namespace Tunnel.Agent.Tests;

public sealed class CheckConfigCommandTests
{
    [Fact]
    public void EverySetting_HasAOneLineDescription()
    {
        var settings = AgentConfigurationLoader.Parse(
            """{ "mode": "posture-only", "splitTunnel": [ { "entry": "10.0.0.0/8" } ], "dns": { "fallbackDomains": [ { "suffix": "corp.test", "servers": [ "10.0.0.53", "10.0.0.54:5353" ] } ] } }""",
            "agent.json",
            ".");
        var lines = AgentSettings.Names.ToDictionary(name => name, settings.Describe);
        Assert.Equal("posture-only", lines["mode"]);
        Assert.Equal("10.0.0.0/8", lines["splitTunnel"]);
        Assert.Equal("corp.test -> 10.0.0.53 (direct), 10.0.0.54:5353 (direct)", lines["dns.fallbackDomains"]);
        Assert.Equal("(none)", lines["tunnel"]);
        Assert.Equal("(root only)", lines["api.group"]);
        Assert.Equal("/etc/resolv.conf", lines["dns.resolvConf"]);
        Assert.All(lines.Values, line => Assert.DoesNotContain('\n', line));
        Assert.Throws<ArgumentOutOfRangeException>(() => settings.Describe("nope"));
    }

    [Fact]
    public void AFileWithAMistake_ExitsOne_AndAGoodOneZero()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-check-config-").FullName;
        try
        {
            string good = Path.Combine(directory, "good.json"), bad = Path.Combine(directory, "bad.json");
            File.WriteAllText(good, """{ "mode": "include" }""");
            File.WriteAllText(bad, """{ "mode": "sometimes" }""");
            Assert.Equal(0, CheckConfigCommand.Run(good));
            Assert.Equal(1, CheckConfigCommand.Run(bad));
            Assert.Equal(1, CheckConfigCommand.Run(Path.Combine(directory, "missing.json")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
