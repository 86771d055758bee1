using System.Net;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>The DNS settings <see cref="WindowsResolverBackend"/> changes, a seam so its logic runs against a fake on any OS.</summary>
internal interface IWindowsDnsSystem
{
    /// <summary>Sets an interface's name servers (both families) and search list; empty lists clear them.</summary>
    /// <exception cref="IOException">Windows refused, or there is no such interface.</exception>
    void SetInterfaceDns(string interfaceName, IReadOnlyList<IPAddress> servers, IReadOnlyList<string> searchDomains);

    /// <summary>Whether group-policy NRPT rules exist, which make Windows ignore the local rules written here.</summary>
    bool GroupPolicyRulesExist { get; }

    /// <summary>The names of the local NRPT rules.</summary>
    IReadOnlyList<string> RuleNames();

    /// <summary>Writes a local NRPT rule that sends names under <paramref name="domain"/> to <paramref name="servers"/>; it does not outlive a reboot.</summary>
    void WriteRule(string name, string domain, IReadOnlyList<IPAddress> servers);

    /// <summary>Removes a local NRPT rule.</summary>
    void DeleteRule(string name);

    /// <summary>Empties the DNS client's cache.</summary>
    void FlushCache();
}
