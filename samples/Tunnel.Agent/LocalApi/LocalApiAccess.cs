using System.Globalization;
using System.Net.Sockets;
using Tunnel.Platform.Linux;

namespace Tunnel.Agent.LocalApi;

/// <summary>
/// Who may use the local API: root, the agent's own user, and members of the configured group, judged by
/// the kernel's credentials of the process at the other end of the socket (<c>SO_PEERCRED</c>), not by
/// anything the client says. The socket itself is open to everyone, as Tailscale's is, so a refused client
/// gets a clear 403 rather than a bare permission error.
/// </summary>
internal sealed class LocalApiAccess
{
    private readonly uint _agentUser;
    private readonly uint? _groupId;

    /// <summary>Allows root, <paramref name="agentUser"/> and members of <paramref name="groupId"/>.</summary>
    public LocalApiAccess(uint agentUser, uint? groupId, string? groupName)
    {
        _agentUser = agentUser;
        _groupId = groupId;
        GroupName = groupName;
    }

    /// <summary>The group allowed besides root, for messages.</summary>
    public string? GroupName { get; }

    /// <summary>The access for this process and the configured group (which must exist in <c>/etc/group</c>).</summary>
    /// <exception cref="InvalidOperationException">The group does not exist.</exception>
    public static LocalApiAccess ForCurrentProcess(string? groupName, string groupFile = "/etc/group", string statusFile = "/proc/self/status")
    {
        uint? groupId = null;
        if (groupName is not null)
        {
            groupId = FindGroup(File.Exists(groupFile) ? File.ReadAllLines(groupFile) : [], groupName)
                ?? throw new InvalidOperationException($"the local API's group '{groupName}' does not exist in {groupFile}");
        }

        return new LocalApiAccess(CurrentUser(statusFile), groupId, groupName);
    }

    /// <summary>Whether the client behind <paramref name="credentials"/> may use the API.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public bool Allows(UnixPeerCredentials credentials) =>
        credentials.IsRoot || credentials.UserId == _agentUser || (_groupId is { } group && credentials.IsInGroup(group));

    /// <summary>Whether the client at the other end of <paramref name="socket"/> may use the API; false when the kernel does not say.</summary>
    public bool Allows(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return Allows(UnixPeerCredentials.FromSocket(socket));
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The message a refused client sees.</summary>
    public string DeniedMessage => GroupName is null
        ? "access denied: the local API is for root and the agent's user"
        : $"access denied: the local API is for root, the agent's user and members of group '{GroupName}'";

    /// <summary>The id of <paramref name="name"/> in lines of <c>/etc/group</c> (<c>name:x:gid:members</c>).</summary>
    public static uint? FindGroup(IEnumerable<string> lines, string name)
    {
        foreach (string line in lines)
        {
            string[] fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == name && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
            {
                return id;
            }
        }

        return null;
    }

    private static uint CurrentUser(string statusFile)
    {
        // "Uid:	real	effective	saved	filesystem": the effective id is what the kernel checks.
        foreach (string line in File.Exists(statusFile) ? File.ReadLines(statusFile) : [])
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                string[] ids = line[4..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                if (ids.Length >= 2 && uint.TryParse(ids[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
                {
                    return id;
                }
            }
        }

        return 0;
    }
}
