using System.Runtime.Versioning;
using Tunnel.Platform.Linux;
using Tunnel.Platform.Linux.Internal;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>
/// A network namespace of one test's own, with a TUN device <c>tun0</c> and a route table for it created
/// inside; deleted, with everything in it, on dispose. The host's routes and rules are never touched.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class NamespaceLab : IDisposable
{
    public const string Tun = "tun0";

    private NamespaceLab(string name) => Name = name;

    public string Name { get; }

    public LinuxTunDevice Device { get; private set; } = null!;

    public LinuxRouteTable Table { get; private set; } = null!;

    /// <summary>A namespace with <c>tun0</c> and a table for it (options changed by <paramref name="configure"/>).</summary>
    public static NamespaceLab Create(Func<LinuxRouteTableOptions, LinuxRouteTableOptions>? configure = null)
    {
        var lab = new NamespaceLab($"tunnel-rt-{Random.Shared.Next():x8}");
        Requirements.Run("ip", "netns", "add", lab.Name);
        try
        {
            var options = new LinuxRouteTableOptions { InterfaceName = Tun };
            options = configure?.Invoke(options) ?? options;
            (lab.Device, lab.Table) = NetworkNamespace.Run(lab.Name, () =>
            {
                LinuxTunDevice device = LinuxTunDevice.Create(Tun);
                return (device, LinuxRouteTable.Create(options));
            });

            // No link-local address once up: its duplicate address detection would change the namespace's
            // state while a test compares it.
            lab.Ip("link", "set", Tun, "addrgenmode", "none");
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Closes <c>tun0</c>'s device and waits until the interface is gone. Closing the descriptor removes it, but
    /// a child process forked meanwhile by another test of this process (they run in parallel and start
    /// <c>ip</c>) holds a copy of the descriptor until it execs, and until then the interface is only down.
    /// </summary>
    public void RemoveDevice()
    {
        Device.Dispose();
        Assert.True(
            SpinWait.SpinUntil(() => !Ip("-o", "link", "show").Contains($": {Tun}:", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            $"{Tun} was still there 10 s after its device was closed");
    }

    /// <summary>Runs <c>ip -n NAME ...</c> and returns its output.</summary>
    public string Ip(params string[] arguments) => Requirements.Run("ip", ["-n", Name, .. arguments]);

    /// <summary>
    /// A veth pair in the namespace, with IPv4 and IPv6 default routes in the main table out of it, so a
    /// lookup that leaves the tunnel's table has somewhere to go; no link-local addresses, as on <c>tun0</c>.
    /// </summary>
    public void AddUplink()
    {
        Ip("link", "add", "veth0", "type", "veth", "peer", "name", "veth1");
        foreach (string link in new[] { "veth0", "veth1" })
        {
            Ip("link", "set", link, "addrgenmode", "none");
            Ip("link", "set", link, "up");
        }

        Ip("address", "add", "192.0.2.1/24", "dev", "veth0");
        Ip("-6", "address", "add", "2001:db8::1/64", "dev", "veth0", "nodad");
        Ip("route", "add", "default", "via", "192.0.2.254", "dev", "veth0");
        Ip("-6", "route", "add", "default", "via", "2001:db8::fe", "dev", "veth0");
    }

    /// <summary>Everything a route table may change in the namespace: addresses, every table's routes, the rules.</summary>
    public string Snapshot() => string.Join(
        "\n--\n",
        Ip("address", "show"),
        Ip("-4", "route", "show", "table", "all"),
        Ip("-6", "route", "show", "table", "all"),
        Ip("-4", "rule", "show"),
        Ip("-6", "rule", "show"));

    public void Dispose()
    {
        Table?.Dispose();
        Device?.Dispose();
        Requirements.Run("ip", "netns", "delete", Name);
    }
}
