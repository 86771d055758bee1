using System.Net;
using Tunnel.Agent.Configuration;
using Tunnel.Routing;

namespace Tunnel.Agent.Tests;

public sealed class AgentConfigurationLoaderTests
{
    private const string Conf = "[Interface]\\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\\nAddress = 10.64.0.2/32\\nDNS = 192.0.2.53\\n\\n[Peer]\\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\\nEndpoint = 203.0.113.7:51820\\nAllowedIPs = 0.0.0.0/0\\n";

    private static AgentSettings Parse(string json) => AgentConfigurationLoader.Parse(json, "agent.json", Path.GetTempPath());

    private static string Error(string json) => Assert.Throws<AgentConfigurationException>(() => Parse(json)).Message;

    [Fact]
    public void AWholeFile_IsReadWithEverySettingFromTheFile()
    {
        var settings = Parse($$"""
            {
              // comments are allowed, as in most hand-edited JSON
              "interface": "corp0",
              "tunnel": { "text": "{{Conf}}" },
              "mode": "include",
              "splitTunnel": [ { "entry": "10.0.0.0/8", "description": "LAN" }, { "entry": "*.Corp.Example.com" } ],
              "dns": {
                "listen": "127.0.0.54:5353",
                "upstreams": [ "192.0.2.1", "[2001:db8::53]:53" ],
                "fallbackDomains": [ { "suffix": "corp.example.com.", "servers": [ "10.0.0.53" ], "description": "AD" } ],
                "direct": [ "192.0.2.1" ],
                "resolver": "resolv.conf",
                "resolvConf": "/run/test/resolv.conf",
                "resolvConfBackup": "/var/lib/test/resolv.conf.saved"
              },
              "api": { "socket": "/run/tunnel/test.sock", "group": "tunnel", "adminGroup": "tunnel-admin" },
              "localSettings": "/var/lib/test/local.json",
              "controller": { "url": "https://controller.corp.example/", "credentialFile": "/var/lib/test/controller.credential", "telemetrySeconds": 30 },
            }
            """);

        Assert.Equal("corp0", settings.Interface);
        Assert.Equal(AgentMode.Include, settings.Mode);
        Assert.Equal(["10.0.0.0/8", "*.corp.example.com"], settings.SplitTunnel.Select(rule => rule.ToString()));
        Assert.Equal("LAN", settings.SplitTunnel[0].Description);
        Assert.Equal(IPEndPoint.Parse("127.0.0.54:5353"), settings.DnsListen);
        Assert.Equal([IPEndPoint.Parse("192.0.2.1:53"), IPEndPoint.Parse("[2001:db8::53]:53")], settings.DnsUpstreams);
        var fallback = Assert.Single(settings.DnsFallbackDomains);
        Assert.Equal(("corp.example.com", IPEndPoint.Parse("10.0.0.53:53"), "AD"), (fallback.Suffix, fallback.Servers.Single(), fallback.Description));
        Assert.Equal([IPAddress.Parse("192.0.2.1")], settings.DnsDirect);
        Assert.Equal(("/run/tunnel/test.sock", "tunnel", "tunnel-admin"), (settings.ApiSocket, settings.ApiGroup, settings.ApiAdminGroup));
        Assert.Equal(("/run/test/resolv.conf", "/var/lib/test/resolv.conf.saved"), (settings.ResolvConf, settings.ResolvConfBackup));
        Assert.Equal(AgentResolver.ResolvConf, settings.Resolver);
        Assert.Equal("/var/lib/test/local.json", settings.LocalSettingsFile);
        Assert.Equal(("https://controller.corp.example/", "/var/lib/test/controller.credential", TimeSpan.FromSeconds(30)), (settings.Controller!.Url.ToString(), settings.Controller.CredentialFile, settings.Controller.TelemetryInterval));
        Assert.Equal(IPAddress.Parse("10.64.0.2"), settings.Tunnel!.Interface.Addresses.Single().Address);
        Assert.All(AgentSettings.Names, name => Assert.Equal(SettingSource.ConfigFile, settings.SourceOf(name)));
    }

    [Fact]
    public void ADnsServerInsideTheAllowedIps_IsAskedThroughTheTunnel_UnlessListedDirect()
    {
        const string SplitConf = "[Interface]\\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\\nAddress = 10.64.0.2/32\\nDNS = 10.0.0.53, 192.168.1.1\\n\\n[Peer]\\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\\nEndpoint = 203.0.113.7:51820\\nAllowedIPs = 10.0.0.0/8\\n";
        var settings = Parse($$"""{ "tunnel": { "text": "{{SplitConf}}" }, "dns": { "fallbackDomains": [ { "suffix": "corp.test", "servers": [ "10.1.0.53", "172.16.0.53" ] } ] } }""");

        Assert.Equal(
            ["10.0.0.53/32 Tunnel", "192.168.1.1/32 Direct", "10.1.0.53/32 Tunnel", "172.16.0.53/32 Direct"],
            settings.DnsSystemRules().Select(rule => $"{rule.Prefix} {rule.SystemDecision}"));
        Assert.Equal("10.0.0.53 (through the tunnel), 192.168.1.1 (direct), the tunnel's DNS", settings.Describe("dns.upstreams"));

        var direct = settings with { DnsDirect = [IPAddress.Parse("10.0.0.53")] };
        Assert.Equal((RouteDecision.Direct, "a DNS server sent direct by dns.direct"), direct.DnsServerRoute(IPAddress.Parse("10.0.0.53")));
        Assert.Equal(RouteDecision.Tunnel, direct.DnsServerRoute(IPAddress.Parse("10.1.0.53")).Decision);
    }

    [Theory]
    [InlineData("auto", false, "resolv.conf", "127.0.2.2:53")]
    [InlineData("auto", true, "systemd-resolved", "10.64.0.2:53")]
    [InlineData("resolv.conf", true, "resolv.conf", "127.0.2.2:53")]
    [InlineData("systemd-resolved", false, "systemd-resolved", "10.64.0.2:53")]
    public void TheResolverAndTheForwardersAddress_FollowWhetherSystemdResolvedRuns(string resolver, bool resolvedRuns, string chosen, string listen)
    {
        var settings = Parse($$"""{ "tunnel": { "text": "{{Conf}}" }, "dns": { "resolver": "{{resolver}}" } }""");

        var effective = settings.EffectiveResolver(resolvedRuns);

        Assert.Equal(chosen, AgentConfigurationLoader.FormatResolver(effective));
        Assert.Equal(IPEndPoint.Parse(listen), settings.EffectiveDnsListen(effective == AgentResolver.SystemdResolved));
        Assert.Equal(IPEndPoint.Parse("127.0.0.54:53"), (settings with { DnsListen = IPEndPoint.Parse("127.0.0.54:53") }).EffectiveDnsListen(true));
    }

    [Fact]
    public void AnEmptyFile_IsTheDefaults_AndTheTunnelsDnsIsTheUpstream()
    {
        var settings = Parse("{}");
        Assert.Equal((AgentSettings.DefaultInterface, AgentMode.Exclude, AgentResolver.Auto, AgentSettings.DefaultApiSocket), (settings.Interface, settings.Mode, settings.Resolver, settings.ApiSocket));
        Assert.Null(settings.DnsListen);
        Assert.All(AgentSettings.Names, name => Assert.Equal(SettingSource.Default, settings.SourceOf(name)));
        Assert.Empty(settings.EffectiveUpstreams());

        var withTunnel = Parse($$"""{ "tunnel": { "text": "{{Conf}}" } }""");
        Assert.Equal([IPEndPoint.Parse("192.0.2.53:53")], withTunnel.EffectiveUpstreams());
    }

    [Fact]
    public void ATunnelFile_IsReadRelativeToTheConfiguration()
    {
        string directory = Directory.CreateTempSubdirectory("tunnel-agent-config-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "corp.conf"), Conf.Replace("\\n", "\n", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(directory, "agent.json"), """{ "tunnel": { "file": "corp.conf" } }""");
            var settings = AgentConfigurationLoader.Load(Path.Combine(directory, "agent.json"));
            Assert.Equal(IPAddress.Parse("203.0.113.7"), settings.Tunnel!.Peers.Single().Endpoint!.Value.Address);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("{\n  \"mode\": \"exclude\"\n  \"interface\": \"x\"\n}", "agent.json line 3: not valid JSON")]
    [InlineData("""{ "mdoe": "include" }""", "agent.json $.mdoe: is not a setting here (known: interface, tunnel, mode")]
    [InlineData("""{ "mode": "everything" }""", "agent.json $.mode: must be exclude, include or posture-only.")]
    [InlineData("""{ "mode": 1 }""", "agent.json $.mode: must be a string.")]
    [InlineData("""{ "interface": "a/b" }""", "agent.json $.interface: 'a/b' is not an interface name")]
    [InlineData("""{ "splitTunnel": [ { "entry": "10.0.0.0/8" }, { "entry": "10.0.0.0/33" } ] }""", "agent.json $.splitTunnel[1].entry: '10.0.0.0/33' is not a prefix")]
    [InlineData("""{ "splitTunnel": [ { "entry": "a.test" }, { "entry": "A.test." } ] }""", "agent.json $.splitTunnel: a.test is listed twice.")]
    [InlineData("""{ "splitTunnel": [ { "description": "x" } ] }""", "agent.json $.splitTunnel[0]: needs an \"entry\".")]
    [InlineData("""{ "splitTunnel": [ { "entry": "10.1.2." } ] }""", "agent.json $.splitTunnel[0].entry: '10.1.2.' is neither a prefix nor a domain pattern: '10.1.2' reads as an IPv4 address")]
    [InlineData("""{ "dns": { "upstreams": [ "192.0.2.1", "resolver" ] } }""", "agent.json $.dns.upstreams[1]: 'resolver' is not an address or address:port.")]
    [InlineData("""{ "dns": { "fallbackDomains": [ { "suffix": "*.corp.test", "servers": [ "10.0.0.53" ] } ] } }""", "agent.json $.dns.fallbackDomains[0].suffix: a suffix covers its subdomains already")]
    [InlineData("""{ "dns": { "fallbackDomains": [ { "suffix": "corp.test", "servers": [] } ] } }""", "agent.json $.dns.fallbackDomains[0].servers: needs at least one server.")]
    [InlineData("""{ "api": { "socket": "agent.sock" } }""", "agent.json $.api.socket: must be an absolute path.")]
    [InlineData("""{ "dns": { "resolver": "dnsmasq" } }""", "agent.json $.dns.resolver: must be auto, resolv.conf or systemd-resolved.")]
    [InlineData("""{ "dns": { "resolvConf": "resolv.conf" } }""", "agent.json $.dns.resolvConf: must be an absolute path.")]
    [InlineData("""{ "tunnel": { } }""", "agent.json $.tunnel: needs exactly one of \"file\"")]
    [InlineData("""{ "controller": { "credentialFile": "/var/lib/tunnel/c" } }""", "agent.json $.controller.url: is required.")]
    [InlineData("""{ "controller": { "url": "ftp://controller.example", "credentialFile": "/var/lib/tunnel/c" } }""", "agent.json $.controller.url: 'ftp://controller.example' is not an http or https address.")]
    [InlineData("""{ "controller": { "url": "https://controller.example" } }""", "agent.json $.controller.credentialFile: is required.")]
    [InlineData("""{ "controller": { "url": "https://controller.example", "credentialFile": "c" } }""", "agent.json $.controller.credentialFile: must be an absolute path.")]
    [InlineData("""{ "controller": { "url": "https://controller.example", "credentialFile": "/c", "telemetrySeconds": 0 } }""", "agent.json $.controller.telemetrySeconds: must be 1 to 86400.")]
    [InlineData("""{ "tunnel": { "text": "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n" } }""", "the tunnel needs a PrivateKey and a [Peer]")]
    public void Mistakes_AreReportedWithTheirLineOrPath(string json, string expected)
    {
        Assert.Contains(expected, Error(json), StringComparison.Ordinal);
    }

    [Fact]
    public void AWgQuickMistake_KeepsItsLineNumber()
    {
        string message = Error("""{ "tunnel": { "text": "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nMTU = lots\n" } }""");
        Assert.Contains("agent.json $.tunnel.text", message, StringComparison.Ordinal);
        Assert.Contains("line 3", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePolicy_FollowsTheMode_WithSystemEntriesOnce()
    {
        var settings = Parse("""{ "mode": "include", "splitTunnel": [ { "entry": "*.corp.test" } ] }""");
        var endpoint = SplitTunnelRule.ForSystem(IPNetwork.Parse("203.0.113.7/32"), RouteDecision.Direct, "tunnel endpoint");
        var upstream = SplitTunnelRule.ForSystem(IPNetwork.Parse("203.0.113.7/32"), RouteDecision.Direct, "DNS upstream");
        var policy = settings.ToPolicy([endpoint, upstream]);
        Assert.Equal(SplitTunnelMode.Include, policy.Mode);
        Assert.Equal(RouteRuleSource.System, policy.Explain("203.0.113.7").Source);
        Assert.Equal(RouteDecision.Tunnel, policy.Explain("a.corp.test").Decision);

        var local = settings.WithLocalChange("mode", s => s with { Mode = AgentMode.Exclude });
        Assert.Equal((SettingSource.Local, SettingSource.ConfigFile, SplitTunnelMode.Exclude), (local.SourceOf("mode"), local.SourceOf("splitTunnel"), local.ToPolicy([]).Mode));
        Assert.Equal(SettingSource.ConfigFile, settings.SourceOf("mode"));
    }
}
