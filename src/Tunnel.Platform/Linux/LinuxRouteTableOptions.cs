namespace Tunnel.Platform.Linux;

/// <summary>
/// Where <see cref="LinuxRouteTable"/> puts the tunnel's routes and rules. The defaults are wg-quick's: the
/// table and the firewall mark are both 51820, and the rules take the priorities wg-quick's rules end up
/// with on a system with only the kernel's default rules (32764 and 32765, just before <c>main</c> at 32766).
/// </summary>
public sealed record LinuxRouteTableOptions
{
    /// <summary>The default routing table and firewall mark: WireGuard's port, as wg-quick uses.</summary>
    public const uint DefaultTableId = 51820;

    /// <summary>The default priority of the first policy rule.</summary>
    public const uint DefaultRulePriority = 32764;

    /// <summary>The tunnel interface the routes point at and the addresses go on, for example <c>wg0</c>.</summary>
    public required string InterfaceName { get; init; }

    /// <summary>
    /// The routing table the routes go into. The table is the tunnel's alone: routes in it are replaced and
    /// removed without asking whose they are. Not 0 or 252-255, which name the kernel's own tables.
    /// </summary>
    public uint TableId { get; init; } = DefaultTableId;

    /// <summary>
    /// The firewall mark the tunnel's own UDP socket sets (<c>SO_MARK</c>, see
    /// <see cref="LinuxUdpDatagramSocket.SetFirewallMark(uint)"/>): marked datagrams skip the tunnel's table,
    /// so the encrypted traffic does not loop back into the tunnel. Not 0.
    /// </summary>
    public uint FirewallMark { get; init; } = DefaultTableId;

    /// <summary>
    /// The priority (preference; lower is consulted first) of the rule <c>lookup main suppress_prefixlength 0</c>;
    /// the rule <c>not fwmark M lookup T</c> takes the next number. Between 1 and <see cref="uint.MaxValue"/> - 1:
    /// priority 0 is the rule for the local table, which must stay first.
    /// </summary>
    public uint RulePriority { get; init; } = DefaultRulePriority;
}
