using System.Text.Json;

namespace Tunnel.Agent.Configuration;

/// <summary>
/// Keeps the settings changed through the local API across restarts, as <c>warp-cli</c>'s do: a file in the
/// configuration file's own format holding only those settings, written whole (a sibling renamed over it)
/// after each change, and laid over the configuration file at start with the source <c>local</c>. Reading
/// it goes through <see cref="AgentConfigurationLoader"/>, so it is checked exactly as the configuration file.
/// </summary>
internal static class AgentLocalSettings
{
    /// <summary>The settings the local API can change, and so the ones this file can hold.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mode", "splitTunnel", "dns.upstreams", "dns.fallbackDomains"];

    /// <summary>Lays the file at <paramref name="path"/> (if it exists) over <paramref name="settings"/>.</summary>
    /// <exception cref="AgentConfigurationException">The file is not valid, or names a setting the API cannot change.</exception>
    public static AgentSettings Apply(AgentSettings settings, string path)
    {
        if (!File.Exists(path))
        {
            return settings;
        }

        var local = AgentConfigurationLoader.Load(path);
        if (AgentSettings.Names.FirstOrDefault(name => local.SourceOf(name) == SettingSource.ConfigFile && !Names.Contains(name)) is { } other)
        {
            throw new AgentConfigurationException($"{path}: '{other}' cannot be a local change; only {string.Join(", ", Names)} can.");
        }

        var sources = new Dictionary<string, SettingSource>(settings.Sources);
        foreach (string name in Names.Where(name => local.SourceOf(name) == SettingSource.ConfigFile))
        {
            sources[name] = SettingSource.Local;
            settings = name switch
            {
                "mode" => settings with { Mode = local.Mode },
                "splitTunnel" => settings with { SplitTunnel = local.SplitTunnel },
                "dns.upstreams" => settings with { DnsUpstreams = local.DnsUpstreams },
                _ => settings with { DnsFallbackDomains = local.DnsFallbackDomains },
            };
        }

        settings = settings with { Sources = sources };
        return AgentLimits.Check(settings) is { } problem ? throw new AgentConfigurationException($"{path}: {problem}.") : settings;
    }

    /// <summary>
    /// Lays the file over <paramref name="settings"/> as <see cref="Apply"/> does, except that a file that cannot
    /// be used (corrupt, hand-edited into something invalid) does not keep the agent from starting: it is moved
    /// aside to <c>PATH.corrupt-TIME</c>, where the operator can read it, and the configuration file's settings
    /// are used. <paramref name="report"/> says what happened, for the log and for <c>tunnelctl status</c>.
    /// </summary>
    /// <exception cref="IOException">The file is unusable and cannot be moved aside either.</exception>
    public static AgentSettings ApplyOrSetAside(AgentSettings settings, string path, DateTimeOffset now, out string? report)
    {
        report = null;
        try
        {
            return Apply(settings, path);
        }
        catch (AgentConfigurationException problem)
        {
            string aside = $"{path}.corrupt-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}";
            File.Move(path, aside, overwrite: true);
            report = $"local settings ignored and moved to {aside}: {problem.Message}";
            return settings;
        }
    }

    /// <summary>Writes the settings whose source is <c>local</c> to <paramref name="path"/>, replacing it whole.</summary>
    /// <exception cref="IOException">The file or its directory cannot be written.</exception>
    public static void Save(AgentSettings settings, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path) ?? "/");
        string temporary = path + ".new";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Serialize(settings));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The file's text for <paramref name="settings"/>' local changes.</summary>
    public static byte[] Serialize(AgentSettings settings)
    {
        bool Local(string name) => settings.SourceOf(name) == SettingSource.Local;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            if (Local("mode"))
            {
                json.WriteString("mode", AgentConfigurationLoader.FormatMode(settings.Mode));
            }

            if (Local("splitTunnel"))
            {
                json.WriteStartArray("splitTunnel");
                foreach (var rule in settings.SplitTunnel)
                {
                    json.WriteStartObject();
                    json.WriteString("entry", rule.ToString());
                    if (rule.Description is { Length: > 0 } description)
                    {
                        json.WriteString("description", description);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            if (Local("dns.upstreams") || Local("dns.fallbackDomains"))
            {
                json.WriteStartObject("dns");
                if (Local("dns.upstreams"))
                {
                    json.WriteStartArray("upstreams");
                    foreach (var server in settings.DnsUpstreams)
                    {
                        json.WriteStringValue(AgentSettings.FormatServer(server));
                    }

                    json.WriteEndArray();
                }

                if (Local("dns.fallbackDomains"))
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
                        if (domain.Description is { Length: > 0 } description)
                        {
                            json.WriteString("description", description);
                        }

                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.ToArray();
    }
}
