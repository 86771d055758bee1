using Tunnel.Agent.Configuration;
using Tunnel.Core.Crypto;

namespace Tunnel.Agent.Tests;

/// <summary>The agent refuses what it would not run, warns about key files others can read, and keeps no private key in its settings.</summary>
public sealed class TunnelSecretsTests : IDisposable
{
    private const string Key = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
    private const string Other = "WBpAx+G1V+4kBWu7HnLx2jzlqvIS2BLyhU/4A42ANnE=";

    private readonly string _directory = Directory.CreateTempSubdirectory("tla-sec-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("PreUp = iptables -A INPUT -j DROP", "PreUp")]
    [InlineData("PostUp = echo up", "PostUp")]
    [InlineData("predown = echo down", "PreDown")]
    [InlineData("PostDown=echo down", "PostDown")]
    [InlineData("SaveConfig = true", "SaveConfig")]
    public void AKeyTheAgentDoesNotRun_IsRefusedByNameAndLine_AtCheckConfigAndAtStart(string line, string key)
    {
        string conf = WriteConf($"[Interface]\nPrivateKey = {Key}\nAddress = 10.64.0.2/32\n{line}\n\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nEndpoint = 203.0.113.7:51820\nAllowedIPs = 0.0.0.0/0\n");
        string config = WriteConfig(conf);

        var error = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Load(config));

        Assert.Equal($"{conf} line 4: '{key}' is not supported by tunnel-agent", error.Message[..(error.Message.IndexOf(" (", StringComparison.Ordinal))]);
        Assert.Equal(1, CheckConfigCommand.Run(config));
    }

    [Theory]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    [InlineData(0b110_100_100, "world accessible")]
    [InlineData(0b110_100_000, "group accessible")]
    [InlineData(0b110_000_000, null)]
    public void AKeyFileOthersCanRead_IsWarnedAbout_LikeWgQuick(int mode, string? warning)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        string conf = WriteConf(Conf(Key));
        File.SetUnixFileMode(conf, (UnixFileMode)mode);

        var settings = AgentConfigurationLoader.Load(WriteConfig(conf));

        if (warning is null)
        {
            Assert.Empty(settings.Warnings);
        }
        else
        {
            Assert.StartsWith($"Warning: `{conf}' is {warning}", Assert.Single(settings.Warnings), StringComparison.Ordinal);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AConfigurationFileHoldingTheKeyText_IsCheckedToo()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        string config = Path.Combine(_directory, "inline.json");
        File.WriteAllText(config, $$"""{ "tunnel": { "text": "{{Conf(Key).Replace("\n", "\\n", StringComparison.Ordinal)}}" } }""");
        File.SetUnixFileMode(config, (UnixFileMode)0b110_100_100);

        var settings = AgentConfigurationLoader.Load(config);

        Assert.Contains("world accessible", Assert.Single(settings.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void TheSettingsHoldThePublicKeyOnly_AndThePrivateKeyIsReadAgainAtConnect()
    {
        string conf = WriteConf(Conf(Key));
        var settings = AgentConfigurationLoader.Load(WriteConfig(conf));
        Assert.True(PrivateKey.TryParse(Key, out var expected));

        settings.TunnelKey!.Read(out var read);

        Assert.Null(settings.Tunnel!.Interface.PrivateKey);
        Assert.Equal(expected.GetPublicKey(), settings.TunnelKey.PublicKey);
        Assert.Equal(expected.AsSpan().ToArray(), read.AsSpan().ToArray());
        Assert.DoesNotContain(Key, settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AKeyChangedOnDiskSinceStart_IsRefusedAtConnect()
    {
        string conf = WriteConf(Conf(Key));
        var settings = AgentConfigurationLoader.Load(WriteConfig(conf));
        File.WriteAllText(conf, Conf(Other));

        var error = Assert.Throws<InvalidOperationException>(() => settings.TunnelKey!.Read(out _));

        Assert.Contains("changed since the agent started", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMalformedKey_IsRefusedWithItsLine()
    {
        string config = WriteConfig(WriteConf(Conf("not-a-key")));

        var error = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Load(config));

        Assert.Contains("line 2: PrivateKey is not a key", error.Message, StringComparison.Ordinal);
    }

    private static string Conf(string key) =>
        $"[Interface]\nPrivateKey = {key}\nAddress = 10.64.0.2/32\n\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nEndpoint = 203.0.113.7:51820\nAllowedIPs = 0.0.0.0/0\n";

    private string WriteConf(string text)
    {
        string path = Path.Combine(_directory, "corp.conf");
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    private string WriteConfig(string conf)
    {
        string path = Path.Combine(_directory, "agent.json");
        File.WriteAllText(path, $$"""{ "tunnel": { "file": "{{conf}}" } }""");
        return path;
    }
}
