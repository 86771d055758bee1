using System.Net.Sockets;
using Tunnel.Platform.Linux.Internal;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux;

public sealed partial class LinuxRouteTable
{
    /// <summary>Both rules of a family, in the order they are added: the main-table rule first, so no moment sends all traffic to the table alone.</summary>
    private static readonly PolicyRuleKind[] RuleKinds = [PolicyRuleKind.MainWithoutDefault, PolicyRuleKind.UnmarkedToTable];

    private readonly List<(AddressFamily Family, PolicyRuleKind Kind)> _rules = [];

    /// <summary>The address families for which this object has installed policy rules and not removed them: a snapshot.</summary>
    public IReadOnlyCollection<AddressFamily> PolicyRuleFamilies
    {
        get
        {
            lock (_gate)
            {
                return [.. _rules.Select(rule => rule.Family).Distinct()];
            }
        }
    }

    /// <summary>Installs the policy rules for IPv4 and for IPv6; see <see cref="InstallPolicyRules(AddressFamily)"/>.</summary>
    /// <exception cref="LinuxNetlinkException">The kernel refused.</exception>
    public void InstallPolicyRules()
    {
        InstallPolicyRules(AddressFamily.InterNetwork);
        InstallPolicyRules(AddressFamily.InterNetworkV6);
    }

    /// <summary>
    /// Installs, for one family, the two rules wg-quick installs for a full tunnel:
    /// <c>pref P lookup main suppress_prefixlength 0</c>, then <c>pref P+1 not fwmark M lookup T</c>
    /// (P is <see cref="LinuxRouteTableOptions.RulePriority"/>). A destination the main table has a route for
    /// that is more specific than a default route (the local networks, the tunnel's own prefix routes) uses
    /// it; everything else, except the tunnel's own marked datagrams, is looked up in the table, where a
    /// bypass route or a miss falls through to the main table's default route.
    /// </summary>
    /// <remarks>
    /// Both rules carry <see cref="LinuxRouteTableOptions.Protocol"/>. A rule already present, identical down
    /// to its priority and protocol, was left by an earlier object with these options (one that
    /// <see cref="Detach"/>ed, or a process that died) and is taken over as this object's; an identical rule
    /// with another protocol is someone else's and is never removed. Rules this object already installed are
    /// not installed twice.
    /// </remarks>
    /// <param name="family"><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/>.</param>
    /// <exception cref="LinuxNetlinkException">The kernel refused.</exception>
    public void InstallPolicyRules(AddressFamily family)
    {
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, "Policy rules exist for IPv4 and IPv6 only.");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Options.Shared)
            {
                throw new InvalidOperationException($"Policy rules send traffic to a table of the tunnel's own; table {Options.TableId} is shared.");
            }

            foreach (PolicyRuleKind kind in RuleKinds)
            {
                if (_rules.Contains((family, kind)))
                {
                    continue;
                }

                RtNetlinkRequests.Rule(_socket.Request, add: true, family, kind, Priority(kind), Options.TableId, Options.FirewallMark, Options.Protocol);
                int errno = _socket.Execute(out string? reason);
                if (errno is 0 or Errors.EEXIST)
                {
                    _rules.Add((family, kind));
                }
                else
                {
                    throw new LinuxNetlinkException($"Adding {Describe(family, kind)}", errno, reason);
                }
            }
        }
    }

    /// <summary>Removes the policy rules this object installed. A rule that is already gone (<c>ENOENT</c>) is not an error.</summary>
    /// <exception cref="LinuxNetlinkException">The kernel refused for another reason; the rules not yet removed stay counted.</exception>
    public void RemovePolicyRules()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // In reverse, so the unmarked traffic stops going to the table before the main-table rule goes.
            for (int i = _rules.Count - 1; i >= 0; i--)
            {
                (AddressFamily family, PolicyRuleKind kind) = _rules[i];
                int errno = DeleteRule(family, kind, out string? reason);
                if (errno != 0)
                {
                    throw new LinuxNetlinkException($"Removing {Describe(family, kind)}", errno, reason);
                }

                _rules.RemoveAt(i);
            }
        }
    }

    /// <summary>Deletes a rule; 0 also when it was already gone.</summary>
    private int DeleteRule(AddressFamily family, PolicyRuleKind kind, out string? reason)
    {
        RtNetlinkRequests.Rule(_socket.Request, add: false, family, kind, Priority(kind), Options.TableId, Options.FirewallMark, Options.Protocol);
        int errno = _socket.Execute(out reason);
        return errno == Errors.ENOENT ? 0 : errno;
    }

    private uint Priority(PolicyRuleKind kind) => kind == PolicyRuleKind.MainWithoutDefault ? Options.RulePriority : Options.RulePriority + 1;

    /// <summary>The rule as <c>ip rule</c> would take it.</summary>
    private string Describe(AddressFamily family, PolicyRuleKind kind)
    {
        string version = family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
        string rule = kind == PolicyRuleKind.MainWithoutDefault
            ? "lookup main suppress_prefixlength 0"
            : $"not fwmark 0x{Options.FirewallMark:x} lookup {Options.TableId}";
        return $"{version} rule 'pref {Priority(kind)} {rule}'";
    }
}
