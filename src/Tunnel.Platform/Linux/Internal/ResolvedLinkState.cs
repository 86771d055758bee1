using System.Globalization;
using System.Text;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>
/// The link <see cref="SystemdResolvedConfigurator"/> configured, kept on disk while connected: its name, its
/// index, and the boot it was configured in (a link never outlives its boot, and after a reboot its index
/// may name another interface).
/// </summary>
internal sealed record ResolvedLinkState(string InterfaceName, int InterfaceIndex, string BootId)
{
    private const string Header = "tunnel systemd-resolved link 1";
    private const string BootIdPath = "/proc/sys/kernel/random/boot_id";

    /// <summary>This boot's identifier, or an empty string where the kernel does not give one.</summary>
    public static string CurrentBootId() => File.Exists(BootIdPath) ? File.ReadAllText(BootIdPath).Trim() : "";

    /// <summary>The index of the interface called <paramref name="name"/>, or <see langword="null"/> when there is none.</summary>
    public static int? IndexOf(string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            return null;
        }

        string path = Path.Combine("/sys/class/net", name, "ifindex");
        try
        {
            return int.Parse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The name of the interface with index <paramref name="index"/>, or <see langword="null"/> when there is none.</summary>
    public static string? NameOf(int index)
    {
        foreach (string directory in Directory.EnumerateDirectories("/sys/class/net"))
        {
            string name = Path.GetFileName(directory);
            if (IndexOf(name) == index)
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>Reads the state at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not one this class wrote.</exception>
    public static ResolvedLinkState Read(string path)
    {
        string[] lines = File.ReadAllText(path).Split('\n');
        if (lines.Length < 4 || lines[0] != Header
            || !int.TryParse(lines[2], NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index <= 0)
        {
            throw new InvalidDataException($"{path} is not a saved systemd-resolved link; it is left for an operator to inspect.");
        }

        return new ResolvedLinkState(lines[1], index, lines[3]);
    }

    /// <summary>Writes the state to a sibling of <paramref name="path"/>, flushes it to disk, and renames it into place.</summary>
    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string text = string.Create(CultureInfo.InvariantCulture, $"{Header}\n{InterfaceName}\n{InterfaceIndex}\n{BootId}\n");
        string temporary = path + ".tunnel-new";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
