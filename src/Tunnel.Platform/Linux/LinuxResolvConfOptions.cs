namespace Tunnel.Platform.Linux;

/// <summary>Where <see cref="LinuxResolvConfConfigurator"/> writes and where it keeps what to restore.</summary>
public sealed record LinuxResolvConfOptions
{
    /// <summary>The resolver configuration file. Default <c>/etc/resolv.conf</c>.</summary>
    public string Path { get; init; } = "/etc/resolv.conf";

    /// <summary>
    /// Where the original configuration is kept while connected. It must survive a crash and a reboot (a
    /// rebooted system still has the changed file), so it is not under <c>/run</c>. Default
    /// <c>/var/lib/tunnel/resolv.conf.saved</c>.
    /// </summary>
    public string StatePath { get; init; } = "/var/lib/tunnel/resolv.conf.saved";
}
