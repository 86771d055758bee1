using System.Runtime.Versioning;
using System.Text;
using Tunnel.Connections;
using Tunnel.Core;

namespace Tunnel.Platform.Linux;

/// <summary>
/// Points the system resolver at given name servers by rewriting <c>/etc/resolv.conf</c>, for systems
/// without systemd-resolved. Before the first change it saves what was there (the file's bytes, or the
/// symbolic link and its target, or that there was no file) to <see cref="LinuxResolvConfOptions.StatePath"/>,
/// written and flushed before the file is touched; <see cref="RestoreAsync"/> puts it back exactly and only
/// then deletes the saved copy. A process that crashed while connected leaves the saved copy behind, and
/// the next one restores it (<see cref="IsApplied"/> is true from the start).
/// </summary>
/// <remarks>
/// Files are replaced by writing a sibling and renaming it over the original, so a reader never sees half a
/// file and a link to systemd-resolved's stub is replaced as a link (its target is untouched). Where the
/// path is a mount point (containers bind-mount it), the rename fails and the file is rewritten in place.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class LinuxResolvConfConfigurator : ISystemResolverConfigurator
{
    private const string Header = "tunnel resolv.conf state 1";
    private readonly Lock _gate = new();

    /// <summary>Creates a configurator; nothing is read or written until it is used.</summary>
    /// <param name="options">The paths; defaults when <see langword="null"/>.</param>
    public LinuxResolvConfConfigurator(LinuxResolvConfOptions? options = null)
    {
        Options = options ?? new LinuxResolvConfOptions();
    }

    /// <summary>The paths.</summary>
    public LinuxResolvConfOptions Options { get; }

    /// <inheritdoc/>
    public bool IsApplied => File.Exists(Options.StatePath);

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A search domain is not a domain name, or there is no name server.</exception>
    /// <exception cref="IOException">A file could not be written; the original is unchanged or saved.</exception>
    public ValueTask ApplyAsync(SystemResolverSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string content = Render(settings);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!IsApplied)
            {
                Save();
            }

            Replace(Options.Path, Encoding.ASCII.GetBytes(content));
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">The saved state is not one this class wrote; it is left in place.</exception>
    public ValueTask RestoreAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!IsApplied)
            {
                return ValueTask.CompletedTask;
            }

            var (kind, target, original) = Load();
            switch (kind)
            {
                case "file":
                    Replace(Options.Path, original);
                    break;
                case "symlink":
                    string temporary = Options.Path + ".tunnel-restore";
                    File.Delete(temporary);
                    File.CreateSymbolicLink(temporary, target);
                    File.Move(temporary, Options.Path, overwrite: true);
                    break;
                default:
                    File.Delete(Options.Path);
                    break;
            }

            File.Delete(Options.StatePath);
        }

        return ValueTask.CompletedTask;
    }

    private static string Render(SystemResolverSettings settings)
    {
        if (settings.Nameservers.Count == 0)
        {
            throw new ArgumentException("At least one name server is needed.", nameof(settings));
        }

        var text = new StringBuilder("# Written by the Tunnel agent while it is connected; the original comes back when it disconnects.\n");
        foreach (var server in settings.Nameservers)
        {
            text.Append("nameserver ").Append(server).Append('\n');
        }

        if (settings.SearchDomains.Count > 0)
        {
            // Parsed, so a value can never smuggle a newline or another option into the file.
            var domains = settings.SearchDomains.Select(domain => DomainName.TryNormalize(domain, out string name, out _)
                ? name
                : throw new ArgumentException($"'{domain}' is not a search domain.", nameof(settings)));
            text.Append("search ").AppendJoin(' ', domains).Append('\n');
        }

        return text.ToString();
    }

    private void Save()
    {
        var info = new FileInfo(Options.Path);
        var state = new StringBuilder(Header).Append('\n');
        byte[] original = [];
        if (info.LinkTarget is { } target)
        {
            state.Append("symlink\n").Append(target).Append('\n');
        }
        else if (info.Exists)
        {
            state.Append("file\n\n");
            original = File.ReadAllBytes(Options.Path);
        }
        else
        {
            state.Append("absent\n\n");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(Options.StatePath))!);
        byte[] head = Encoding.UTF8.GetBytes(state.ToString());
        Replace(Options.StatePath, [.. head, .. original]);
    }

    private (string Kind, string Target, byte[] Original) Load()
    {
        byte[] bytes = File.ReadAllBytes(Options.StatePath);
        int first = Array.IndexOf(bytes, (byte)'\n');
        int second = first < 0 ? -1 : Array.IndexOf(bytes, (byte)'\n', first + 1);
        int third = second < 0 ? -1 : Array.IndexOf(bytes, (byte)'\n', second + 1);
        if (third < 0 || Encoding.UTF8.GetString(bytes, 0, first) != Header)
        {
            throw new InvalidDataException($"{Options.StatePath} is not a saved resolver configuration; it is left for an operator to inspect.");
        }

        string kind = Encoding.UTF8.GetString(bytes, first + 1, second - first - 1);
        string target = Encoding.UTF8.GetString(bytes, second + 1, third - second - 1);
        if (kind is not ("file" or "symlink" or "absent"))
        {
            throw new InvalidDataException($"{Options.StatePath} names an unknown kind '{kind}'.");
        }

        return (kind, target, bytes[(third + 1)..]);
    }

    /// <summary>Writes <paramref name="content"/> to a sibling, flushes it to disk, and renames it over <paramref name="path"/>.</summary>
    private static void Replace(string path, byte[] content)
    {
        string temporary = path + ".tunnel-new";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        try
        {
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException)
        {
            // A bind-mounted file cannot be replaced, only rewritten.
            File.Delete(temporary);
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
    }
}
