using Microsoft.Extensions.Logging.Abstractions;
using Tunnel.Agent.Configuration;
using Tunnel.Agent.Service;
using Tunnel.Connections;
using Tunnel.Posture;

namespace Tunnel.Agent.Tests;

/// <summary>An agent over fakes: a resolver that records, a fixed posture, no kernel.</summary>
internal static class AgentServiceFixture
{
    public const string Conf = "[Interface]\\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\\nAddress = 10.64.0.2/32\\n\\n[Peer]\\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\\nEndpoint = 203.0.113.7:51820\\nAllowedIPs = 0.0.0.0/0\\n";

    public static AgentSettings Settings(string mode = "exclude", bool tunnel = true) => AgentConfigurationLoader.Parse(
        $$"""
        {
          {{(tunnel ? $$"""  "tunnel": { "text": "{{Conf}}" },""" : string.Empty)}}
          "mode": "{{mode}}",
          "splitTunnel": [ { "entry": "10.0.0.0/8", "description": "LAN" }, { "entry": "*.zoom.us" } ],
          "dns": { "upstreams": [ "192.0.2.53" ] }
        }
        """,
        "agent.json",
        Path.GetTempPath());

    public static AgentService Create(AgentSettings settings, RecordingResolver? resolver = null, Func<AgentSettings, int>? removeStaleRoutes = null, string? localSettingsFile = null) =>
        new(
            settings,
            resolver ?? new RecordingResolver(),
            publicKey => new DevicePosture("Test OS", "1", "6.1.0", "0.1.0", PostureCheck.Enabled, PostureCheck.Unknown, publicKey, new Dictionary<string, string> { ["disk-encryption"] = "fake" }),
            NullLoggerFactory.Instance,
            localSettingsFile: localSettingsFile,
            removeStaleRoutes: removeStaleRoutes ?? (_ => 0));
}

/// <summary>A resolver configurator that records what it was asked.</summary>
internal sealed class RecordingResolver : ISystemResolverConfigurator
{
    public List<string> Calls { get; } = [];

    public bool IsApplied { get; set; }

    public ValueTask ApplyAsync(SystemResolverSettings settings, CancellationToken cancellationToken)
    {
        Calls.Add($"apply {string.Join(',', settings.Nameservers)}");
        IsApplied = true;
        return ValueTask.CompletedTask;
    }

    public ValueTask RestoreAsync(CancellationToken cancellationToken)
    {
        Calls.Add("restore");
        IsApplied = false;
        return ValueTask.CompletedTask;
    }
}
