using System.IO.Pipes;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace Tunnel.Agent.LocalApi;

/// <summary>
/// The Windows local API's named pipe ACL: Administrators and SYSTEM, and the configured groups, may connect; no one
/// else can open the pipe at all. Each request is then judged by the client's own token (see
/// <see cref="LocalApiAccess"/>), so a member of the read group still cannot change anything.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class LocalApiPipeSecurity
{
    /// <summary>The ACL for a pipe shared with <paramref name="groups"/> (names Windows resolves, such as <c>TUNNEL\Operators</c>).</summary>
    /// <exception cref="IdentityNotMappedException">A group does not exist.</exception>
    public static PipeSecurity Create(params string?[] groups)
    {
        var security = new PipeSecurity();
        security.AddAccessRule(new PipeAccessRule(new SecurityIdentifier(WellKnownSidType.BuiltinAdministratorsSid, null), PipeAccessRights.FullControl, AccessControlType.Allow));
        security.AddAccessRule(new PipeAccessRule(new SecurityIdentifier(WellKnownSidType.LocalSystemSid, null), PipeAccessRights.FullControl, AccessControlType.Allow));
        foreach (string group in groups.OfType<string>())
        {
            var sid = (SecurityIdentifier)new NTAccount(group).Translate(typeof(SecurityIdentifier));
            security.AddAccessRule(new PipeAccessRule(sid, PipeAccessRights.ReadWrite, AccessControlType.Allow));
        }

        return security;
    }

    /// <summary>Who is at the other end of <paramref name="pipe"/>: an administrator (elevated) or SYSTEM, and whether in each group.</summary>
    public static (bool Administrator, bool InGroup, bool InAdminGroup) Client(NamedPipeServerStream pipe, string? group, string? adminGroup)
    {
        (bool, bool, bool) result = default;
        pipe.RunAsClient(() =>
        {
            using WindowsIdentity identity = WindowsIdentity.GetCurrent(TokenAccessLevels.Query);
            var principal = new WindowsPrincipal(identity);
            result = (
                identity.IsSystem || principal.IsInRole(WindowsBuiltInRole.Administrator),
                group is not null && principal.IsInRole(group),
                adminGroup is not null && principal.IsInRole(adminGroup));
        });
        return result;
    }
}
