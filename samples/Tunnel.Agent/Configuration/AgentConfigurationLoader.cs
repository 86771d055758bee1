using System.Net;
using System.Text.Json;
using Tunnel.Dns;
using Tunnel.Routing;

namespace Tunnel.Agent.Configuration;

/// <summary>
/// Reads the agent's JSON configuration file:
/// <code>
/// {
///   "interface": "tunnel0",
///   "tunnel": { "file": "/etc/tunnel/corp.conf" },             // or { "text": "[Interface]\n..." }
///   "mode": "exclude",                                         // exclude | include | posture-only
///   "splitTunnel": [ { "entry": "10.0.0.0/8", "description": "LAN" }, { "entry": "*.zoom.us" } ],
///   "dns": { "listen": "127.0.2.2:53", "upstreams": [ "192.0.2.53" ], "resolver": "auto",
///            "fallbackDomains": [ { "suffix": "corp.example.com", "servers": [ "10.0.0.53" ] } ],
///            "direct": [ "192.0.2.53" ],                      // servers asked direct though the allowed IPs cover them
///            "resolvConf": "/etc/resolv.conf", "resolvConfBackup": "/var/lib/tunnel/resolv.conf.saved" },
///   "api": { "socket": "/run/tunnel/agent.sock", "group": "tunnel", "adminGroup": "tunnel-admin" },
///   "localSettings": "/var/lib/tunnel/local-settings.json",   // where changes made through the API are kept
///   "controller": { "url": "https://controller.corp.example", "credentialFile": "/var/lib/tunnel/controller.credential" }
/// }
/// </code>
/// The tunnel is a wg-quick <c>.conf</c> (a file or its text), so an existing configuration imports as it is.
/// Every mistake is reported with the file and its line (JSON syntax, the wg-quick text) or its JSON path
/// (values), and an unknown property is a mistake, not ignored, so a typo cannot silently change nothing.
/// </summary>
internal static partial class AgentConfigurationLoader
{
    private static readonly string[] TopLevel = ["interface", "tunnel", "mode", "splitTunnel", "dns", "api", "localSettings", "controller"];

    /// <summary>Reads and validates a configuration file.</summary>
    /// <exception cref="AgentConfigurationException">The file is missing, not JSON, or has a bad value.</exception>
    public static AgentSettings Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new AgentConfigurationException($"{path}: {exception.Message}", exception);
        }

        var settings = Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", path);
        return settings.TunnelFile is null && settings.Tunnel is not null && KeyFilePermissions.Warning(path) is { } warning
            ? settings with { Warnings = [.. settings.Warnings, warning] }
            : settings;
    }

    /// <summary>Reads and validates a configuration's text; <paramref name="source"/> names it in errors and relative tunnel files resolve against <paramref name="directory"/>.</summary>
    /// <exception cref="AgentConfigurationException">The text is not JSON or has a bad value.</exception>
    /// <param name="text">The JSON.</param>
    /// <param name="source">Names the text in errors.</param>
    /// <param name="directory">Where relative tunnel files are.</param>
    /// <param name="configPath">The file the text was read from, so a private key inside it can be read again at connect; without one the text is kept for that.</param>
    public static AgentSettings Parse(string text, string source, string directory, string? configPath = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException exception)
        {
            throw new AgentConfigurationException($"{source} line {exception.LineNumber + 1}: not valid JSON ({FirstSentence(exception.Message)}).", exception);
        }

        using (document)
        {
            var reader = new Reader(source);
            var root = reader.Object(document.RootElement, "$", TopLevel);
            var sources = new Dictionary<string, SettingSource>();
            var settings = new AgentSettings();

            if (root.TryGetProperty("interface", out var name))
            {
                string value = reader.String(name, "$.interface");
                if (value.Length is 0 or > 15 || value.Any(c => c is '/' or ' ' or ':' || char.IsControl(c)))
                {
                    throw reader.Error("$.interface", $"'{value}' is not an interface name (1 to 15 characters, no '/', ':' or spaces)");
                }

                settings = settings with { Interface = value };
                sources["interface"] = SettingSource.ConfigFile;
            }

            if (root.TryGetProperty("tunnel", out var tunnel))
            {
                var (configuration, file, key) = ReadTunnel(reader, tunnel, directory, configPath);
                settings = settings with { Tunnel = configuration, TunnelFile = file, TunnelKey = key };
                if (file is not null && KeyFilePermissions.Warning(file) is { } warning)
                {
                    settings = settings with { Warnings = [warning] };
                }

                sources["tunnel"] = SettingSource.ConfigFile;
            }

            if (root.TryGetProperty("mode", out var mode))
            {
                settings = settings with { Mode = ParseMode(reader.String(mode, "$.mode")) ?? throw reader.Error("$.mode", "must be exclude, include or posture-only") };
                sources["mode"] = SettingSource.ConfigFile;
            }

            if (root.TryGetProperty("splitTunnel", out var entries))
            {
                settings = settings with { SplitTunnel = ReadEntries(reader, entries) };
                sources["splitTunnel"] = SettingSource.ConfigFile;
            }

            if (root.TryGetProperty("dns", out var dns))
            {
                var dnsObject = reader.Object(dns, "$.dns", ["listen", "upstreams", "fallbackDomains", "direct", "resolver", "resolvConf", "resolvConfBackup"]);
                if (dnsObject.TryGetProperty("listen", out var listen))
                {
                    settings = settings with { DnsListen = reader.EndPoint(listen, "$.dns.listen") };
                    sources["dns.listen"] = SettingSource.ConfigFile;
                }

                if (dnsObject.TryGetProperty("upstreams", out var upstreams))
                {
                    settings = settings with { DnsUpstreams = [.. reader.Array(upstreams, "$.dns.upstreams").Select((server, i) => reader.EndPoint(server, $"$.dns.upstreams[{i}]"))] };
                    sources["dns.upstreams"] = SettingSource.ConfigFile;
                }

                if (dnsObject.TryGetProperty("fallbackDomains", out var fallback))
                {
                    settings = settings with { DnsFallbackDomains = ReadFallbackDomains(reader, fallback) };
                    sources["dns.fallbackDomains"] = SettingSource.ConfigFile;
                }

                if (dnsObject.TryGetProperty("direct", out var direct))
                {
                    settings = settings with { DnsDirect = [.. reader.Array(direct, "$.dns.direct").Select((server, i) => reader.EndPoint(server, $"$.dns.direct[{i}]").Address)] };
                    sources["dns.direct"] = SettingSource.ConfigFile;
                }

                if (dnsObject.TryGetProperty("resolver", out var resolver))
                {
                    settings = settings with { Resolver = ParseResolver(reader.String(resolver, "$.dns.resolver")) ?? throw reader.Error("$.dns.resolver", "must be auto, resolv.conf or systemd-resolved") };
                    sources["dns.resolver"] = SettingSource.ConfigFile;
                }

                if (dnsObject.TryGetProperty("resolvConf", out var resolvConf))
                {
                    settings = settings with { ResolvConf = AbsolutePath(reader, resolvConf, "$.dns.resolvConf") };
                    sources["dns.resolvConf"] = SettingSource.ConfigFile;
                }

                if (dnsObject.TryGetProperty("resolvConfBackup", out var backup))
                {
                    settings = settings with { ResolvConfBackup = AbsolutePath(reader, backup, "$.dns.resolvConfBackup") };
                    sources["dns.resolvConfBackup"] = SettingSource.ConfigFile;
                }
            }

            if (root.TryGetProperty("localSettings", out var localSettings))
            {
                settings = settings with { LocalSettingsFile = AbsolutePath(reader, localSettings, "$.localSettings") };
                sources["localSettings"] = SettingSource.ConfigFile;
            }

            if (root.TryGetProperty("api", out var api))
            {
                var apiObject = reader.Object(api, "$.api", ["socket", "group", "adminGroup"]);
                if (apiObject.TryGetProperty("socket", out var socket))
                {
                    settings = settings with { ApiSocket = OperatingSystem.IsWindows() ? PipeName(reader, socket, "$.api.socket") : AbsolutePath(reader, socket, "$.api.socket") };
                    sources["api.socket"] = SettingSource.ConfigFile;
                }

                if (apiObject.TryGetProperty("group", out var group))
                {
                    settings = settings with { ApiGroup = reader.String(group, "$.api.group") };
                    sources["api.group"] = SettingSource.ConfigFile;
                }

                if (apiObject.TryGetProperty("adminGroup", out var adminGroup))
                {
                    settings = settings with { ApiAdminGroup = reader.String(adminGroup, "$.api.adminGroup") };
                    sources["api.adminGroup"] = SettingSource.ConfigFile;
                }
            }

            if (root.TryGetProperty("controller", out var controller))
            {
                var controllerObject = reader.Object(controller, "$.controller", ["url", "credentialFile", "telemetrySeconds"]);
                string url = controllerObject.TryGetProperty("url", out var urlElement) ? reader.String(urlElement, "$.controller.url") : throw reader.Error("$.controller.url", "is required");
                if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("https" or "http"))
                {
                    throw reader.Error("$.controller.url", $"'{url}' is not an http or https address");
                }

                string credential = controllerObject.TryGetProperty("credentialFile", out var credentialElement)
                    ? AbsolutePath(reader, credentialElement, "$.controller.credentialFile")
                    : throw reader.Error("$.controller.credentialFile", "is required");
                var controllerSettings = new ControllerSettings(uri, credential);
                if (controllerObject.TryGetProperty("telemetrySeconds", out var telemetry))
                {
                    if (!telemetry.TryGetInt32(out int seconds) || seconds is < 1 or > 86400)
                    {
                        throw reader.Error("$.controller.telemetrySeconds", "must be 1 to 86400");
                    }

                    controllerSettings = controllerSettings with { TelemetryInterval = TimeSpan.FromSeconds(seconds) };
                }

                settings = settings with { Controller = controllerSettings };
                sources["controller"] = SettingSource.ConfigFile;
            }

            return AgentLimits.Check(settings) is { } problem
                ? throw new AgentConfigurationException($"{source}: {problem}.")
                : settings with { Sources = sources };
        }
    }

    /// <summary>Reads a mode's name as the file, the API and <c>tunnelctl mode</c> write it.</summary>
    public static AgentMode? ParseMode(string text) => text switch
    {
        "exclude" => AgentMode.Exclude,
        "include" => AgentMode.Include,
        "posture-only" => AgentMode.PostureOnly,
        _ => null,
    };

    /// <summary>On Windows the local API is a named pipe: a name, without <c>\\.\pipe\</c>.</summary>
    private static string PipeName(Reader reader, JsonElement element, string path)
    {
        string value = reader.String(element, path);
        return value.Length is > 0 and <= 240 && !value.Contains('\\', StringComparison.Ordinal) && !value.Contains('/', StringComparison.Ordinal)
            ? value
            : throw reader.Error(path, "must be a named pipe's name (on Windows), such as tunnel-agent");
    }

    private static string AbsolutePath(Reader reader, JsonElement element, string path)
    {
        string value = reader.String(element, path);
        return Path.IsPathFullyQualified(value) ? value : throw reader.Error(path, "must be an absolute path");
    }

    /// <summary>An address with an optional port (53 when none): <c>192.0.2.53</c>, <c>192.0.2.53:5353</c>, <c>[2001:db8::53]:53</c>.</summary>
    public static bool TryParseServer(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        if (IPAddress.TryParse(text, out var address) && !text.Contains("]:", StringComparison.Ordinal) && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || !text.Contains(':', StringComparison.Ordinal)))
        {
            endPoint = new IPEndPoint(address, 53);
            return true;
        }

        if (IPEndPoint.TryParse(text, out var parsed) && parsed.Port != 0)
        {
            endPoint = parsed;
            return true;
        }

        endPoint = null;
        return false;
    }

    /// <summary>Reads <c>dns.resolver</c>.</summary>
    public static AgentResolver? ParseResolver(string text) => text switch
    {
        "auto" => AgentResolver.Auto,
        "resolv.conf" => AgentResolver.ResolvConf,
        "systemd-resolved" => AgentResolver.SystemdResolved,
        _ => null,
    };

    /// <summary>A resolver's name as the file writes it.</summary>
    public static string FormatResolver(AgentResolver resolver) => resolver switch
    {
        AgentResolver.ResolvConf => "resolv.conf",
        AgentResolver.SystemdResolved => "systemd-resolved",
        _ => "auto",
    };

    /// <summary>A mode's name as the file writes it.</summary>
    public static string FormatMode(AgentMode mode) => mode switch
    {
        AgentMode.Include => "include",
        AgentMode.PostureOnly => "posture-only",
        _ => "exclude",
    };

    private static List<SplitTunnelRule> ReadEntries(Reader reader, JsonElement entries)
    {
        var rules = new List<SplitTunnelRule>();
        foreach (var (entry, i) in reader.Array(entries, "$.splitTunnel").Select((e, i) => (e, i)))
        {
            string path = $"$.splitTunnel[{i}]";
            var value = reader.Object(entry, path, ["entry", "description"]);
            string text = value.TryGetProperty("entry", out var e) ? reader.String(e, path + ".entry") : throw reader.Error(path, "needs an \"entry\"");
            string? description = value.TryGetProperty("description", out var d) ? reader.Description(d, path + ".description") : null;
            try
            {
                rules.Add(SplitTunnelRule.Parse(text, description));
            }
            catch (FormatException exception)
            {
                throw reader.Error(path + ".entry", exception.Message.TrimEnd('.'));
            }
        }

        // The policy refuses duplicates too; here the message can name the place.
        var duplicate = rules.GroupBy(rule => rule.ToString()).FirstOrDefault(group => group.Count() > 1);
        return duplicate is null ? rules : throw reader.Error("$.splitTunnel", $"{duplicate.Key} is listed twice");
    }

    private static List<DnsFallbackDomain> ReadFallbackDomains(Reader reader, JsonElement domains)
    {
        var result = new List<DnsFallbackDomain>();
        foreach (var (domain, i) in reader.Array(domains, "$.dns.fallbackDomains").Select((e, i) => (e, i)))
        {
            string path = $"$.dns.fallbackDomains[{i}]";
            var value = reader.Object(domain, path, ["suffix", "servers", "description"]);
            string suffix = value.TryGetProperty("suffix", out var s) ? reader.String(s, path + ".suffix") : throw reader.Error(path, "needs a \"suffix\"");
            if (!DomainPattern.TryParse(suffix, out var pattern, out string? error) || pattern.IncludesSubdomains)
            {
                throw reader.Error(path + ".suffix", error ?? "a suffix covers its subdomains already; write it without '*.'");
            }

            var servers = value.TryGetProperty("servers", out var list)
                ? reader.Array(list, path + ".servers").Select((server, j) => reader.EndPoint(server, $"{path}.servers[{j}]")).ToArray()
                : throw reader.Error(path, "needs \"servers\"");
            if (servers.Length == 0)
            {
                throw reader.Error(path + ".servers", "needs at least one server");
            }

            string? description = value.TryGetProperty("description", out var d) ? reader.Description(d, path + ".description") : null;
            result.Add(new DnsFallbackDomain(pattern.Name, servers, description));
        }

        return result;
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }

    /// <summary>Typed reads of JSON values, each failure naming the file and the path.</summary>
    private sealed class Reader(string source)
    {
        public string Source { get; } = source;

        public AgentConfigurationException Error(string path, string message) => new($"{Source} {path}: {message}.");

        public JsonElement Object(JsonElement element, string path, string[] allowed)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Error(path, "must be an object");
            }

            foreach (var property in element.EnumerateObject())
            {
                if (!allowed.Contains(property.Name, StringComparer.Ordinal))
                {
                    throw Error($"{path}.{property.Name}", $"is not a setting here (known: {string.Join(", ", allowed)})");
                }
            }

            return element;
        }

        public JsonElement[] Array(JsonElement element, string path) =>
            element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().ToArray() : throw Error(path, "must be an array");

        public string String(JsonElement element, string path) =>
            element.ValueKind == JsonValueKind.String ? element.GetString()! : throw Error(path, "must be a string");

        /// <summary>A description: see <see cref="AgentLimits.CheckDescription"/>.</summary>
        public string Description(JsonElement element, string path)
        {
            string text = String(element, path);
            return AgentLimits.CheckDescription(text) is { } problem ? throw Error(path, problem) : text;
        }

        /// <summary>A DNS server: see <see cref="TryParseServer"/>.</summary>
        public IPEndPoint EndPoint(JsonElement element, string path)
        {
            string text = String(element, path);
            return TryParseServer(text, out var endPoint) ? endPoint : throw Error(path, $"'{text}' is not an address or address:port");
        }
    }
}
