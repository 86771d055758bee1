using System.Globalization;
using Tunnel.Connections;
using Tunnel.Platform.Internal;

namespace Tunnel.Platform.Windows.Internal;

/// <summary>
/// What <see cref="WindowsResolverConfigurator"/> does, behind the <see cref="IWindowsDnsSystem"/> seam: the tunnel
/// adapter's own name servers and search list (the adapter goes with the tunnel, and its settings with it), and one
/// NRPT rule per domain of <see cref="WindowsResolverOptions.DomainServers"/>, named after the interface so that only
/// ours are ever removed, in volatile keys that a reboot clears, and removed by the next process when one died
/// connected.
/// </summary>
internal sealed class WindowsResolverBackend(WindowsResolverOptions options, IWindowsDnsSystem system) : IResolverBackend
{
    private bool _applied;

    /// <summary>The prefix of every rule this interface writes.</summary>
    public string RulePrefix => $"Tunnel-{options.InterfaceName}-";

    public bool IsApplied => _applied || system.RuleNames().Any(name => name.StartsWith(RulePrefix, StringComparison.Ordinal));

    public void Apply(SystemResolverSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var rules = options.DomainServers.Select(entry => (Domain: Domain(entry.Key), Servers: entry.Value)).ToList();
        if (rules.Any(rule => rule.Servers.Count == 0))
        {
            throw new ArgumentException("A domain needs at least one name server.", nameof(settings));
        }

        if (rules.Count > 0 && system.GroupPolicyRulesExist)
        {
            throw new IOException("Group policy sets Name Resolution Policy Table rules on this machine, which make Windows ignore the per-domain servers a program sets: ask the domain's administrators, or configure no per-domain servers.");
        }

        _applied = true;
        RemoveOurRules();
        for (int i = 0; i < rules.Count; i++)
        {
            system.WriteRule(RulePrefix + i.ToString(CultureInfo.InvariantCulture), rules[i].Domain, rules[i].Servers);
        }

        system.SetInterfaceDns(options.InterfaceName, settings.Nameservers, settings.SearchDomains);
        system.FlushCache();
    }

    public void Restore()
    {
        try
        {
            system.SetInterfaceDns(options.InterfaceName, [], []);
        }
        catch (IOException)
        {
            // The adapter is gone, and its settings with it.
        }

        RemoveOurRules();
        system.FlushCache();
        _applied = false;
    }

    private void RemoveOurRules()
    {
        foreach (string name in system.RuleNames().Where(name => name.StartsWith(RulePrefix, StringComparison.Ordinal)))
        {
            system.DeleteRule(name);
        }
    }

    private static string Domain(string domain)
    {
        string name = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (name.Length is 0 or > 253 || name.StartsWith('.') || name.Contains("..", StringComparison.Ordinal)
            || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.'))
        {
            throw new ArgumentException($"'{domain}' is not a domain name (letters, digits, '-' and '.'; internationalized names in their punycode form).", nameof(domain));
        }

        return name;
    }
}
