using System.Globalization;
using System.Net.Sockets;
using Tunnel.Platform.Linux;

namespace Tunnel.Agent.LocalApi;

/// <summary>
/// Who may use the local API, judged by the kernel's credentials of the process at the other end of the
/// socket (<c>SO_PEERCRED</c> on Linux, <c>LOCAL_PEERCRED</c> on macOS), not by anything the client says. Reading (status, settings, watch) is for
/// root, the agent's own user and members of <c>api.group</c>; changing anything (settings, connect,
/// disconnect) is for root, the agent's own user and members of <c>api.adminGroup</c>, as Tailscale's
/// operator. The socket itself is open to everyone, as Tailscale's is, so a refused client gets a clear 403
/// rather than a bare permission error.
/// </summary>
internal sealed class LocalApiAccess
{
    private readonly uint _agentUser;
    private readonly uint? _groupId;
    private readonly uint? _adminGroupId;

    /// <summary>Allows root and <paramref name="agentUser"/> everything, members of <paramref name="groupId"/> to read, members of <paramref name="adminGroupId"/> everything.</summary>
    public LocalApiAccess(uint agentUser, uint? groupId, string? groupName, uint? adminGroupId = null, string? adminGroupName = null)
    {
        _agentUser = agentUser;
        _groupId = groupId;
        GroupName = groupName;
        _adminGroupId = adminGroupId;
        AdminGroupName = adminGroupName;
    }

    /// <summary>The group allowed to read besides root, for messages.</summary>
    public string? GroupName { get; }

    /// <summary>The group allowed to change settings and connect besides root, for messages.</summary>
    public string? AdminGroupName { get; }

    /// <summary>The access for this process and the configured groups (which must exist in <c>/etc/group</c>).</summary>
    /// <exception cref="InvalidOperationException">A group does not exist.</exception>
    public static LocalApiAccess ForCurrentProcess(string? groupName, string? adminGroupName = null, string groupFile = "/etc/group", string statusFile = "/proc/self/status")
    {
        string[] groups = File.Exists(groupFile) ? File.ReadAllLines(groupFile) : [];
        uint? Find(string? name, string setting) => name is null
            ? null
            : FindGroup(groups, name) ?? throw new InvalidOperationException($"the local API's {setting} '{name}' does not exist in {groupFile}");

        return new LocalApiAccess(CurrentUser(statusFile), Find(groupName, "group"), groupName, Find(adminGroupName, "adminGroup"), adminGroupName);
    }

    /// <summary>Whether the client behind <paramref name="credentials"/> may read.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    [System.Runtime.Versioning.SupportedOSPlatform("macos")]
    public bool Allows(UnixPeerCredentials credentials) =>
        AllowsChanges(credentials) || (_groupId is { } group && credentials.IsInGroup(group));

    /// <summary>Whether the client behind <paramref name="credentials"/> may change settings and connect.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    [System.Runtime.Versioning.SupportedOSPlatform("macos")]
    public bool AllowsChanges(UnixPeerCredentials credentials) =>
        credentials.IsRoot || credentials.UserId == _agentUser || (_adminGroupId is { } admins && credentials.IsInGroup(admins));

    /// <summary>
    /// Whether the client at the other end of a Windows named pipe may read, or with <paramref name="change"/> change,
    /// judged by its own token: SYSTEM and elevated administrators may do everything, members of the admin group too,
    /// members of the read group may read; false when Windows does not say.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    public bool Allows(System.IO.Pipes.NamedPipeServerStream pipe, bool change = false)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        try
        {
            var (administrator, inGroup, inAdminGroup) = LocalApiPipeSecurity.Client(pipe, GroupName, AdminGroupName);
            return administrator || inAdminGroup || (!change && inGroup);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Whether the client at the other end of <paramref name="socket"/> may read, or with <paramref name="change"/> change; false when the kernel does not say.</summary>
    public bool Allows(Socket socket, bool change = false)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return false;
        }

        try
        {
            var credentials = UnixPeerCredentials.FromSocket(socket);
            return change ? AllowsChanges(credentials) : Allows(credentials);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The message a client refused reading sees.</summary>
    public string DeniedMessage => (GroupName, AdminGroupName) switch
    {
        (null, null) => "access denied: the local API is for root and the agent's user",
        ({ } group, null) => $"access denied: the local API is for root, the agent's user and members of group '{group}'",
        (null, { } admins) => $"access denied: the local API is for root, the agent's user and members of group '{admins}'",
        var (group, admins) => $"access denied: the local API is for root, the agent's user and members of groups '{group}' and '{admins}'",
    };

    /// <summary>The message a client allowed to read but refused a change sees.</summary>
    public string ChangeDeniedMessage => AdminGroupName is null
        ? "access denied: changing settings or connecting needs root or the agent's user (set api.adminGroup to allow a group)"
        : $"access denied: changing settings or connecting needs root, the agent's user or membership of group '{AdminGroupName}' (api.adminGroup)";

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
