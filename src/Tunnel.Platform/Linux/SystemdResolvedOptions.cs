namespace Tunnel.Platform.Linux;

/// <summary>Which link <see cref="SystemdResolvedConfigurator"/> configures, where it keeps its state, and which bus it talks to.</summary>
public sealed record SystemdResolvedOptions
{
    /// <summary>
    /// The agent's tunnel interface, for example <c>tun0</c>: the name servers and domains are set on this
    /// link only, so they disappear with it. Its index is read from <c>/sys/class/net/&lt;name&gt;/ifindex</c>
    /// when settings are applied.
    /// </summary>
    public required string InterfaceName { get; init; }

    /// <summary>
    /// Where the configured link (name, index and boot) is recorded while connected, written before
    /// systemd-resolved is first asked for a change and deleted after the change is reverted. It must survive
    /// a crash, so it is not under <c>/run</c>. Default <c>/var/lib/tunnel/resolved.link</c>.
    /// </summary>
    public string StatePath { get; init; } = "/var/lib/tunnel/resolved.link";

    /// <summary>
    /// The D-Bus address to reach systemd-resolved on, for example <c>unix:path=/run/dbus/system_bus_socket</c>;
    /// <see langword="null"/> (the default) for the system bus, as <c>DBUS_SYSTEM_BUS_ADDRESS</c> or the
    /// well-known socket names it.
    /// </summary>
    public string? BusAddress { get; init; }
}
