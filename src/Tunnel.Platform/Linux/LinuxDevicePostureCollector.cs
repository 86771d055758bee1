using System.Runtime.Versioning;
using Tunnel.Posture;

namespace Tunnel.Platform.Linux;

/// <summary>
/// Collects a Linux device's <see cref="DevicePosture"/> from the files the system itself keeps: the
/// distribution from <c>/etc/os-release</c>, the kernel from <c>/proc/sys/kernel/osrelease</c>, disk
/// encryption from the device-mapper target under the root file system (<c>CRYPT-</c> in its
/// <c>/sys/block/dm-N/dm/uuid</c>, as cryptsetup names it), and the firewall from ufw's and firewalld's
/// own state and the packet-filter tables the kernel has loaded. Nothing is run and nothing is changed.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxDevicePostureCollector
{
    private readonly string _root;

    /// <summary>Creates a collector over the system's files, or over a copy of them under <paramref name="root"/> (for tests).</summary>
    /// <param name="root">The directory that stands for <c>/</c>.</param>
    public LinuxDevicePostureCollector(string root = "/")
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = root;
    }

    /// <summary>Collects the posture.</summary>
    /// <param name="agentVersion">The agent's version.</param>
    /// <param name="publicKey">The device's WireGuard public key, if any.</param>
    /// <returns>The posture; unreadable files make their checks <see cref="PostureCheck.Unknown"/>.</returns>
    public DevicePosture Collect(string agentVersion, string? publicKey)
    {
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        var release = ReadOsRelease();
        string name = release.GetValueOrDefault("PRETTY_NAME") ?? release.GetValueOrDefault("NAME") ?? "Linux";
        string version = release.GetValueOrDefault("VERSION_ID") ?? string.Empty;
        string kernel = ReadText("proc/sys/kernel/osrelease")?.Trim() ?? string.Empty;
        return new DevicePosture(name, version, kernel, agentVersion, DiskEncryption(details), Firewall(details), publicKey, details);
    }

    private Dictionary<string, string> ReadOsRelease()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? text = ReadText("etc/os-release") ?? ReadText("usr/lib/os-release");
        foreach (string line in (text ?? string.Empty).Split('\n'))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && !line.StartsWith('#'))
            {
                values[line[..equals].Trim()] = line[(equals + 1)..].Trim().Trim('"', '\'');
            }
        }

        return values;
    }

    private PostureCheck DiskEncryption(Dictionary<string, string> details)
    {
        // The device mounted at / in /proc/mounts; a dm-crypt mapping is CRYPT-..., possibly under LVM.
        string? mounts = ReadText("proc/mounts");
        string? device = mounts?.Split('\n').Select(line => line.Split(' ')).FirstOrDefault(fields => fields.Length > 2 && fields[1] == "/")?[0];
        if (device is null)
        {
            details["disk-encryption"] = "no root file system in /proc/mounts";
            return PostureCheck.Unknown;
        }

        if (!device.StartsWith("/dev/", StringComparison.Ordinal))
        {
            details["disk-encryption"] = $"the root file system is on {device}, not a block device";
            return PostureCheck.Unknown;
        }

        string block = ResolveBlockName(device);
        if (IsEncrypted(block, depth: 0))
        {
            details["disk-encryption"] = $"{device} is on a dm-crypt mapping";
            return PostureCheck.Enabled;
        }

        details["disk-encryption"] = $"{device} ({block}) has no dm-crypt mapping beneath it";
        return PostureCheck.Disabled;
    }

    private string ResolveBlockName(string device)
    {
        // /dev/mapper/name is a link to ../dm-N; a plain /dev/sda1 is its own name.
        string path = Path.Combine(_root, device.TrimStart('/'));
        try
        {
            var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true);
            return Path.GetFileName(target?.FullName ?? path);
        }
        catch (IOException)
        {
            return Path.GetFileName(path);
        }
    }

    private bool IsEncrypted(string block, int depth)
    {
        if (depth > 8)
        {
            return false;
        }

        if (ReadText($"sys/class/block/{block}/dm/uuid")?.StartsWith("CRYPT-", StringComparison.Ordinal) == true)
        {
            return true;
        }

        // A mapping over other block devices (LVM over LUKS): look beneath it.
        string slaves = Path.Combine(_root, "sys/class/block", block, "slaves");
        return Directory.Exists(slaves) && Directory.EnumerateFileSystemEntries(slaves).Any(slave => IsEncrypted(Path.GetFileName(slave), depth + 1));
    }

    private PostureCheck Firewall(Dictionary<string, string> details)
    {
        string? ufw = ReadText("etc/ufw/ufw.conf");
        if (ufw is not null && ufw.Split('\n').Any(line => line.Trim() is "ENABLED=yes"))
        {
            details["firewall"] = "ufw is enabled";
            return PostureCheck.Enabled;
        }

        if (File.Exists(Path.Combine(_root, "run/firewalld/firewalld.pid")))
        {
            details["firewall"] = "firewalld is running";
            return PostureCheck.Enabled;
        }

        string? tables = ReadText("proc/net/ip_tables_names");
        if (!string.IsNullOrWhiteSpace(tables) && tables.Contains("filter", StringComparison.Ordinal))
        {
            details["firewall"] = "an iptables filter table is loaded";
            return PostureCheck.Enabled;
        }

        details["firewall"] = ufw is not null ? "ufw is installed but disabled" : "no ufw, firewalld or iptables filter table; nftables rules are not inspected";
        return ufw is not null ? PostureCheck.Disabled : PostureCheck.Unknown;
    }

    private string? ReadText(string relative)
    {
        try
        {
            return File.ReadAllText(Path.Combine(_root, relative));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
