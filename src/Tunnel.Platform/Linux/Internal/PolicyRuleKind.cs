namespace Tunnel.Platform.Linux.Internal;

/// <summary>The two policy rules of a family that send unmarked traffic to the tunnel's table (wg-quick's full-tunnel rules).</summary>
internal enum PolicyRuleKind
{
    /// <summary><c>lookup main suppress_prefixlength 0</c>: the main table's routes, except its default routes.</summary>
    MainWithoutDefault,

    /// <summary><c>not fwmark M lookup T</c>: everything but the tunnel's own marked datagrams, in the tunnel's table.</summary>
    UnmarkedToTable,
}
