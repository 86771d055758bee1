using System.Net;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform.Tests.Windows;

/// <summary>Windows' DNS settings in memory: per-interface servers and the local NRPT rules.</summary>
internal sealed class FakeWindowsDnsSystem : IWindowsDnsSystem
{
    public Dictionary<string, (IReadOnlyList<IPAddress> Servers, IReadOnlyList<string> Search)> Interfaces { get; } = [];

    public SortedDictionary<string, (string Domain, IReadOnlyList<IPAddress> Servers)> Rules { get; } = new(StringComparer.Ordinal);

    public bool GroupPolicyRulesExist { get; set; }

    public int Flushes { get; private set; }

    public bool InterfaceGone { get; set; }

    public void SetInterfaceDns(string interfaceName, IReadOnlyList<IPAddress> servers, IReadOnlyList<string> searchDomains)
    {
        if (InterfaceGone)
        {
            throw new IOException($"Cannot find the interface {interfaceName} (Win32 error 1168).");
        }

        Interfaces[interfaceName] = (servers, searchDomains);
    }

    public IReadOnlyList<string> RuleNames() => [.. Rules.Keys];

    public void WriteRule(string name, string domain, IReadOnlyList<IPAddress> servers) => Rules[name] = (domain, servers);

    public void DeleteRule(string name) => Rules.Remove(name);

    public void FlushCache() => Flushes++;
}
