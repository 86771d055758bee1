namespace Tunnel.Cli;

/// <summary>The values of <c>SplitTunnelEntry.Kind</c>.</summary>
internal static class SplitTunnelKinds
{
    /// <summary>An address or prefix.</summary>
    public const string Ip = "ip";

    /// <summary>A domain pattern.</summary>
    public const string Host = "host";
}
