using Tunnel.Agent.Configuration;

namespace Tunnel.Agent;

/// <summary>
/// <c>tunnel-agent check-config FILE</c>: reads an agent configuration as the agent would, and prints each
/// setting's effective value and where it came from, or the first mistake with its line or JSON path
/// (exit 1), so a file can be checked before the agent uses it.
/// </summary>
internal static class CheckConfigCommand
{
    public static int Run(string path)
    {
        AgentSettings settings;
        try
        {
            settings = AgentConfigurationLoader.Load(path);
        }
        catch (AgentConfigurationException exception)
        {
            Console.Error.WriteLine($"tunnel-agent: {exception.Message}");
            return 1;
        }

        Console.WriteLine($"{path}: valid");
        foreach (string name in AgentSettings.Names)
        {
            string source = settings.SourceOf(name) switch
            {
                SettingSource.ConfigFile => "config file",
                SettingSource.Local => "local change",
                _ => "default",
            };
            Console.WriteLine($"  {name,-20} {Describe(settings, name),-50} ({source})");
        }

        return 0;
    }

    /// <summary>A setting's value in one line.</summary>
    public static string Describe(AgentSettings settings, string name) => name switch
    {
        "interface" => settings.Interface,
        "tunnel" => settings.Tunnel is { } tunnel
            ? $"{string.Join(", ", tunnel.Interface.Addresses)} via {tunnel.Peers[0].Endpoint?.ToString() ?? "(no endpoint)"}"
            : "(none)",
        "mode" => AgentConfigurationLoader.FormatMode(settings.Mode),
        "splitTunnel" => settings.SplitTunnel.Count == 0 ? "(none)" : string.Join(", ", settings.SplitTunnel),
        "dns.listen" => settings.DnsListen.ToString(),
        "dns.upstreams" => settings.DnsUpstreams.Count == 0 ? $"(the tunnel's: {string.Join(", ", settings.EffectiveUpstreams())})" : string.Join(", ", settings.DnsUpstreams),
        "dns.fallbackDomains" => settings.DnsFallbackDomains.Count == 0
            ? "(none)"
            : string.Join(", ", settings.DnsFallbackDomains.Select(domain => $"{domain.Suffix} -> {string.Join(" ", domain.Servers)}")),
        "api.socket" => settings.ApiSocket,
        "api.group" => settings.ApiGroup ?? "(root only)",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a setting."),
    };
}
