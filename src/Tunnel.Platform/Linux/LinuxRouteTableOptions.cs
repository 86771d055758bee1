namespace Tunnel.Platform.Linux;

/// <summary>
/// Where <see cref="LinuxRouteTable"/> puts the tunnel's routes and rules, and the mark that says they are its
/// own. The defaults are deliberately not wg-quick's (table and mark 51820, rules at 32764 and 32765), so a
/// wg-quick tunnel in the same network namespace and this one never touch each other's routes or rules:
/// table and mark <see cref="DefaultTableId"/> (52820), rules at <see cref="DefaultRulePriority"/> (32000) and
/// the next number, and routes and rules tagged with protocol <see cref="DefaultProtocol"/> (116).
/// </summary>
public sealed record LinuxRouteTableOptions
{
    /// <summary>The default routing table and firewall mark: 52820, clear of the 51820 and up that wg-quick takes.</summary>
    public const uint DefaultTableId = 52820;

    /// <summary>
    /// The default priority of the first policy rule: 32000, clear of wg-quick's 32764 and 32765 and of the
    /// main table's 32766, and consulted before them.
    /// </summary>
    public const uint DefaultRulePriority = 32000;

    /// <summary>
    /// The default protocol (<c>rtm_protocol</c>, and <c>FRA_PROTOCOL</c> on rules) every route and rule is
    /// tagged with: 116, which no routing program registers (see <c>/etc/iproute2/rt_protos</c>); <c>ip</c>
    /// shows it as <c>proto 116</c>.
    /// </summary>
    public const byte DefaultProtocol = 116;

    /// <summary>The tunnel interface the routes point at and the addresses go on, for example <c>wg0</c>.</summary>
    public required string InterfaceName { get; init; }

    /// <summary>
    /// The routing table the routes go into. Not 0 or 252-255, which name the kernel's own tables. Clean-up
    /// removes only routes in it that carry <see cref="Protocol"/>.
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

    /// <summary>
    /// The protocol every route and rule this table installs carries, and the only one its clean-up removes.
    /// Above 4: the values up to <c>RTPROT_STATIC</c> are the kernel's and an administrator's.
    /// </summary>
    public byte Protocol { get; init; } = DefaultProtocol;

    /// <summary>
    /// Whether each tunnel route has a prohibit route at the same prefix behind it (at the largest metric, so
    /// it is consulted only when the tunnel route is gone). The kernel deletes a tunnel route with its
    /// interface, when the interface is deleted or its process dies; the prohibit route names no interface
    /// and stays, so traffic meant for the tunnel is refused (<c>EACCES</c>) instead of falling through to the
    /// main table and leaving directly, with no moment in between. Clean-up removes it with the rest. On by default.
    /// </summary>
    public bool FailClosed { get; init; } = true;

    /// <summary>
    /// Whether the table is not this object's alone: the main table (254, allowed only here) or one a
    /// configuration names. Routes are then added as <c>ip route add</c> adds them, never replacing another's
    /// route, and neither policy rules nor <see cref="LinuxRouteTable.RemoveStale()"/> are available, since both
    /// presume the table is ours. False by default.
    /// </summary>
    public bool Shared { get; init; }
}
