using System.Globalization;
using System.Net;
using System.Text;
using Tunnel.Connections;
using Tunnel.Platform.Internal;

namespace Tunnel.Platform.Darwin.Internal;

/// <summary>
/// What <see cref="DarwinResolverConfigurator"/> does, behind the <see cref="IScutil"/> seam: the default resolver
/// by overriding the primary network service's DNS entry in the dynamic store
/// (<c>State:/Network/Service/&lt;id&gt;/DNS</c>), per-domain servers by files in <c>/etc/resolver</c>, and a state
/// file written before either, so a process that dies connected is undone by the next one.
/// </summary>
internal sealed class DarwinResolverBackend(DarwinResolverOptions options, IScutil scutil) : IResolverBackend
{
    private const string Magic = "tunnel-resolver-state 1";

    /// <summary>The first line of every resolver file written here; only files that start with it are removed.</summary>
    public string FileMarker => $"# Written by Tunnel for {options.InterfaceName}; removed when the tunnel closes.";

    public bool IsApplied => File.Exists(options.StatePath);

    public void Apply(SystemResolverSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var dns = new DynamicStoreDictionary();
        if (settings.Nameservers.Count > 0)
        {
            dns.Values["ServerAddresses"] = settings.Nameservers.Select(server => DynamicStoreDictionary.Check(server.ToString())).ToList();
        }

        if (settings.SearchDomains.Count > 0)
        {
            dns.Values["SearchDomains"] = settings.SearchDomains.Select(DynamicStoreDictionary.Check).ToList();
        }

        var files = options.DomainServers.ToDictionary(entry => FileFor(entry.Key), entry => Render(entry.Value), StringComparer.Ordinal);

        // Validate whole, persist what undoes it, then apply: a crash in between is undone by the next process.
        State state = IsApplied ? Load() : Save(files.Keys);
        if (dns.Values.Count > 0)
        {
            scutil.Run($"open\n{dns.ToScript(ServiceKey(state.Service))}quit\n");
        }

        foreach ((string path, string content) in files)
        {
            WriteAtomically(path, content);
        }
    }

    public void Restore()
    {
        if (!IsApplied)
        {
            return;
        }

        State state = Load();
        string key = ServiceKey(state.Service);
        scutil.Run(state.Original is null ? $"open\nremove {key}\nquit\n" : $"open\nd.init\n{state.Original}set {key}\nquit\n");
        foreach (string path in state.Files)
        {
            if (File.Exists(path) && File.ReadLines(path).FirstOrDefault() == FileMarker)
            {
                File.Delete(path);
            }
        }

        File.Delete(options.StatePath);
    }

    private State Save(IEnumerable<string> files)
    {
        string service = PrimaryService();
        DynamicStoreDictionary? original = DynamicStoreDictionary.Parse(scutil.Run($"open\nshow {ServiceKey(service)}\nquit\n"));
        var paths = files.ToList();
        foreach (string path in paths)
        {
            if (File.Exists(path) && File.ReadLines(path).FirstOrDefault() != FileMarker)
            {
                throw new IOException($"{path} exists and was not written by this tunnel: it is left alone, and the domain's servers are not set.");
            }
        }

        string originalScript = original?.AddCommands() ?? string.Empty;
        var text = new StringBuilder()
            .Append(Magic).Append('\n')
            .Append("interface ").Append(options.InterfaceName).Append('\n')
            .Append("service ").Append(service).Append('\n')
            .Append(original is null ? "original none\n" : "original\n" + originalScript + "end\n");
        foreach (string path in paths)
        {
            text.Append("file ").Append(path).Append('\n');
        }

        Directory.CreateDirectory(Path.GetDirectoryName(options.StatePath)!);
        WriteAtomically(options.StatePath, text.ToString());
        return new State(service, original is null ? null : originalScript, paths);
    }

    private State Load()
    {
        string[] lines = File.ReadAllLines(options.StatePath);
        if (lines.Length < 4 || lines[0] != Magic || !lines[2].StartsWith("service ", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{options.StatePath} was not written by this version of Tunnel; it is left in place.");
        }

        string service = DynamicStoreDictionary.Check(lines[2]["service ".Length..]);
        int next = 3;
        string? original = null;
        if (lines[next] == "original")
        {
            var script = new StringBuilder();
            for (next++; next < lines.Length && lines[next] != "end"; next++)
            {
                if (!lines[next].StartsWith("d.add ", StringComparison.Ordinal) || lines[next].Split(' ').Any(word => word.Length == 0))
                {
                    throw new InvalidDataException($"{options.StatePath} line {next + 1} is not a saved DNS value; the file is left in place.");
                }

                script.Append(lines[next]).Append('\n');
            }

            original = script.ToString();
        }
        else if (lines[next] != "original none")
        {
            throw new InvalidDataException($"{options.StatePath} line {next + 1} is not the saved DNS entry; the file is left in place.");
        }

        var files = lines.Skip(next + 1).Where(line => line.StartsWith("file ", StringComparison.Ordinal)).Select(line => line["file ".Length..])
            .Where(path => Path.GetDirectoryName(path) == options.ResolverDirectory.TrimEnd('/'))
            .ToList();
        return new State(service, original, files);
    }

    private string PrimaryService()
    {
        DynamicStoreDictionary? global = DynamicStoreDictionary.Parse(scutil.Run("open\nshow State:/Network/Global/IPv4\nquit\n"));
        if (global?.Values.GetValueOrDefault("PrimaryService") is not string service)
        {
            global = DynamicStoreDictionary.Parse(scutil.Run("open\nshow State:/Network/Global/IPv6\nquit\n"));
            service = global?.Values.GetValueOrDefault("PrimaryService") as string
                ?? throw new IOException("macOS has no primary network service (no network is up), so there is no default resolver to point at the tunnel's DNS servers.");
        }

        return DynamicStoreDictionary.Check(service);
    }

    private static string ServiceKey(string service) => $"State:/Network/Service/{service}/DNS";

    private string FileFor(string domain)
    {
        string name = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (name.Length is 0 or > 253 || name.StartsWith('.') || name.Contains("..", StringComparison.Ordinal)
            || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.'))
        {
            throw new ArgumentException($"'{domain}' is not a domain name a resolver file can be named after (letters, digits, '-' and '.'; internationalized names in their punycode form).", nameof(domain));
        }

        return Path.Combine(options.ResolverDirectory, name);
    }

    private string Render(IReadOnlyList<IPAddress> servers)
    {
        if (servers.Count == 0)
        {
            throw new ArgumentException("A domain needs at least one name server.", nameof(servers));
        }

        var text = new StringBuilder(FileMarker).Append('\n');
        foreach (IPAddress server in servers)
        {
            text.Append("nameserver ").Append(server.ToString()).Append('\n');
        }

        return text.ToString();
    }

    private static void WriteAtomically(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    private sealed record State(string Service, string? Original, IReadOnlyList<string> Files);
}
