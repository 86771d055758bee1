using System.Xml.Linq;

namespace Tunnel.Agent.Tests;

/// <summary>The launchd property list the agent ships runs the agent as its usage says, and restarts it after a crash only.</summary>
public sealed class ServiceDefinitionTests
{
    [Fact]
    public void TheLaunchdDaemon_RunsTheAgentAsItsUsageSays_AndIsRestartedOnlyAfterAFailure()
    {
        XDocument plist = XDocument.Load(Path.Combine(AppContext.BaseDirectory, "ServiceDefinitions", "tunnel-agent.plist"));
        XElement dict = plist.Root!.Element("dict")!;
        Dictionary<string, XElement> keys = dict.Elements("key").ToDictionary(key => key.Value, key => (XElement)key.NextNode!);

        Assert.Equal("tunnel-agent", keys["Label"].Value);
        string[] arguments = [.. keys["ProgramArguments"].Elements("string").Select(element => element.Value)];
        Assert.Equal("/usr/local/bin/tunnel-agent", arguments[0]);
        Assert.Equal("run", arguments[1]);
        Assert.StartsWith("tunnel-agent run [--config FILE] [--connect]", RunCommand.Usage, StringComparison.Ordinal);
        Assert.Equal(["--config", "/etc/tunnel/agent.json", "--connect"], arguments[2..]);
        Assert.Equal("true", keys["RunAtLoad"].Name.LocalName);
        XElement keepAlive = keys["KeepAlive"];
        Assert.Equal("SuccessfulExit", keepAlive.Element("key")!.Value);
        Assert.Equal("false", ((XElement)keepAlive.Element("key")!.NextNode!).Name.LocalName);
    }
}
