using System.Text;
using System.Text.Json;
using Tunnel.Agent.Configuration;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// Writes the settings a configuration file set back in the file's format, so the fuzz target can check that
/// what the loader accepted reads back the same. The agent itself never writes its configuration file (only
/// the local-settings file, <see cref="AgentLocalSettings.Serialize"/>), so the writer lives here.
/// </summary>
internal static class AgentSettingsWriter
{
    public static string Write(AgentSettings settings)
    {
        bool Set(string name) => settings.SourceOf(name) == SettingSource.ConfigFile;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            if (Set("interface"))
            {
                json.WriteString("interface", settings.Interface);
            }

            if (Set("tunnel"))
            {
                json.WriteStartObject("tunnel");
                json.WriteString("text", settings.Tunnel!.ToString());
                json.WriteEndObject();
            }

            if (Set("mode"))
            {
                json.WriteString("mode", AgentConfigurationLoader.FormatMode(settings.Mode));
            }

            if (Set("splitTunnel"))
            {
                json.WriteStartArray("splitTunnel");
                foreach (var rule in settings.SplitTunnel)
                {
                    json.WriteStartObject();
                    json.WriteString("entry", rule.ToString());
                    json.WriteString("description", rule.Description);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteStartObject("dns");
            if (Set("dns.listen"))
            {
                json.WriteString("listen", AgentSettings.FormatServer(settings.DnsListen!));
            }

            if (Set("dns.upstreams"))
            {
                json.WriteStartArray("upstreams");
                foreach (var server in settings.DnsUpstreams)
                {
                    json.WriteStringValue(AgentSettings.FormatServer(server));
                }

                json.WriteEndArray();
            }

            if (Set("dns.fallbackDomains"))
            {
                json.WriteStartArray("fallbackDomains");
                foreach (var domain in settings.DnsFallbackDomains)
                {
                    json.WriteStartObject();
                    json.WriteString("suffix", domain.Suffix);
                    json.WriteStartArray("servers");
                    foreach (var server in domain.Servers)
                    {
                        json.WriteStringValue(AgentSettings.FormatServer(server));
                    }

                    json.WriteEndArray();
                    if (domain.Description is { } description)
                    {
                        json.WriteString("description", description);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            if (Set("dns.direct"))
            {
                json.WriteStartArray("direct");
                foreach (var server in settings.DnsDirect)
                {
                    json.WriteStringValue(server.ToString());
                }

                json.WriteEndArray();
            }

            if (Set("dns.resolver"))
            {
                json.WriteString("resolver", AgentConfigurationLoader.FormatResolver(settings.Resolver));
            }

            if (Set("dns.resolvConf"))
            {
                json.WriteString("resolvConf", settings.ResolvConf);
            }

            if (Set("dns.resolvConfBackup"))
            {
                json.WriteString("resolvConfBackup", settings.ResolvConfBackup);
            }

            json.WriteEndObject();
            json.WriteStartObject("api");
            if (Set("api.socket"))
            {
                json.WriteString("socket", settings.ApiSocket);
            }

            if (Set("api.group"))
            {
                json.WriteString("group", settings.ApiGroup);
            }

            json.WriteEndObject();
            if (Set("localSettings"))
            {
                json.WriteString("localSettings", settings.LocalSettingsFile);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
