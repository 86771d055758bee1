using Tunnel.Configuration;
using Tunnel.Interop.Tests.Infrastructure;
using Tunnel.Net;
using Tunnel.Platform.Linux.Internal;
using Tunnel.Sockets;

namespace Tunnel.Interop.Tests.InProcess;

/// <summary>
/// The in-process stack's lab, shared by its tests: a wireguard-go gateway (10.200.0.2, fd00:200::2) in side 2's
/// namespace with the kernel's own servers on its tunnel address (a TCP echo by socat, an HTTP server by busybox,
/// a DNS server by dnsmasq that knows web.lab.test), and a <see cref="TunnelNetwork"/> (10.200.0.1) in this
/// process whose UDP socket lives in side 1's namespace, so the tunnel crosses the lab's veth, where netem can hurt it.
/// </summary>
public sealed class StackLab : IAsyncLifetime
{
    public const string Page = "the kernel's HTTP server, behind wireguard-go\n";

    private readonly List<NamespaceProcess> _servers = [];
    private Lab _lab = null!;
    private Peer _gateway = null!;
    private string _directory = null!;

    internal Lab Lab => _lab;

    public TunnelNetwork Network { get; private set; } = null!;

    /// <summary>The <c>.conf</c> that reaches the gateway from side 1 (for the proxy process).</summary>
    public string ClientConfiguration { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Requirements.CheckProgram("socat", "socat");
        Requirements.CheckProgram("dnsmasq", "dnsmasq-base");
        Requirements.CheckProgram("busybox", "busybox");
        Requirements.CheckProgram("curl", "curl");
        _lab = new Lab();
        _directory = Directory.CreateTempSubdirectory("tunnel-stack-lab-").FullName;
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_101_101);

        _gateway = _lab.Start(2, Implementation.WireGuardGo);
        _gateway.Set("private-key", _gateway.PrivateKeyFile, "listen-port", "51820");
        _gateway.Up();

        // The kernel's servers, on the gateway's tunnel address.
        string web = Path.Combine(_directory, "www");
        Directory.CreateDirectory(web);
        await File.WriteAllTextAsync(Path.Combine(web, "hello.txt"), Page);
        Serve("socat", "TCP-LISTEN:7,bind=10.200.0.2,reuseaddr,fork", "EXEC:cat");
        Serve("busybox", "httpd", "-f", "-p", "10.200.0.2:80", "-h", web);
        Serve("dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=10.200.0.2", "--user=root", "--pid-file=",
            "--local=/lab.test/", "--address=/web.lab.test/10.200.0.2", "--address=/web.lab.test/fd00:200::2");
        WaitListening("tcp", 7);
        WaitListening("tcp", 80);
        WaitListening("udp", 53);

        ClientConfiguration = NewClient(1);
        Network = await StartClientAsync(ClientConfiguration);
    }

    /// <summary>A <c>.conf</c> for a new client of the gateway, 10.200.0.<paramref name="host"/> (and fd00:200::<paramref name="host"/>), which the gateway now knows.</summary>
    public string NewClient(int host)
    {
        string key = Command.Run("wg", "genkey").Trim();
        _gateway.Set("peer", Pubkey(key), "allowed-ips", $"10.200.0.{host}/32,fd00:200::{host}/128");
        return $"""
            [Interface]
            PrivateKey = {key}
            Address = 10.200.0.{host}/32, fd00:200::{host}/128
            DNS = 10.200.0.2

            [Peer]
            PublicKey = {_gateway.PublicKey}
            AllowedIPs = 10.200.0.0/24, fd00:200::/64
            Endpoint = 192.0.2.2:51820
            """;
    }

    /// <summary>Starts an in-process network for <paramref name="configuration"/>, its UDP socket in side 1's namespace (impaired by <paramref name="impair"/> when given).</summary>
    public Task<TunnelNetwork> StartClientAsync(string configuration, Func<IDatagramSocketFactory, IDatagramSocketFactory>? impair = null)
    {
        IDatagramSocketFactory sockets = new NamespacedSockets(_lab.Namespace(1));
        return TunnelNetwork.StartAsync(WireGuardConfiguration.Parse(configuration), new TunnelNetworkOptions { DatagramSockets = impair?.Invoke(sockets) ?? sockets });
    }

    public async ValueTask DisposeAsync()
    {
        if (Network is not null)
        {
            await Network.DisposeAsync();
        }

        foreach (NamespaceProcess server in _servers)
        {
            server.Dispose();
        }

        _lab?.Dispose();
    }

    /// <summary>Runs <paramref name="program"/> in the gateway's namespace for the lab's life.</summary>
    private void Serve(string program, params string[] arguments) => _servers.Add(new NamespaceProcess(_lab.Namespace(2), program, arguments));

    private void WaitListening(string protocol, int port) => Lab.WaitUntil(
        () => _lab.TryExec(2, "ss", protocol == "tcp" ? "-Hltn" : "-Huln", $"sport = :{port}").Output.Contains("10.200.0.2", StringComparison.Ordinal),
        $"nothing listens on {protocol} port {port} in the gateway's namespace: {string.Join("\n", _servers.Select(server => server.Log))}");

    private static string Pubkey(string privateKey)
    {
        var start = new System.Diagnostics.ProcessStartInfo("wg", "pubkey") { RedirectStandardInput = true, RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        process.StandardInput.Write(privateKey);
        process.StandardInput.Close();
        string key = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return key;
    }

    /// <summary>The tunnel's UDP socket, made in a namespace: the in-process stack's traffic crosses the lab's veth.</summary>
    internal sealed class NamespacedSockets(string ns) : IDatagramSocketFactory
    {
        public IDatagramSocket Bind(ushort port, uint firewallMark) => NetworkNamespace.Run(ns, () => UdpDatagramSocketFactory.Instance.Bind(port, firewallMark));
    }
}
