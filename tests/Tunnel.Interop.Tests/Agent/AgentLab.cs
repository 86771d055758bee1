using System.Globalization;
using System.Net;
using Tunnel.Interop.Tests.Infrastructure;
using Tunnel.Platform.Linux.Internal;
using Tunnel.SplitTunnel.Tests.Drivers;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>
/// Four network namespaces around one agent:
/// <code>
///   client (agent)  10.201.1.2 --- 10.201.1.1  gateway (wireguard-go, 10.99.0.1, forwarding)
///                                   10.201.2.1 --- 10.201.2.2  internet: public DNS 10.201.2.53, HTTP on 10.201.4.1-9
///                                   10.201.3.1 --- 10.201.3.53 corp: the corporate DNS server
/// </code>
/// The client's default route is the gateway, so without the tunnel it still reaches the internet
/// ("direct"), and the internet's HTTP server sees 10.201.1.2; through the tunnel it sees 10.99.0.2. The
/// gateway refuses to forward from the client's link to the corporate network, so the corporate DNS server
/// answers only through the tunnel. The client's resolver file is <c>/etc/netns/CLIENT/resolv.conf</c>,
/// which <c>ip netns exec</c> mounts over <c>/etc/resolv.conf</c> for every program run in the namespace.
/// </summary>
internal sealed class AgentLab : IAsyncDisposable
{
    public const string TunnelAddress = "10.99.0.2";
    public const string DirectAddress = "10.201.1.2";
    public const string OriginalResolvConf = "# the client's own resolver\nnameserver 10.201.2.53\noptions timeout:1\n";

    private static int s_count;
    private readonly string _id;
    private readonly List<IAsyncDisposable> _servers = [];
    private GatewayProcess? _gateway;

    public AgentLab()
    {
        Requirements.Check();
        _id = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId % 1000}y{Interlocked.Increment(ref s_count)}");
        Directory = System.IO.Directory.CreateTempSubdirectory("tae-").FullName;
        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101); // other users reach the agent's socket (and are refused by it)
        foreach (string ns in new[] { Client, Gateway, Internet, Corp })
        {
            Command.Run("ip", "netns", "add", ns);
            Command.Run("ip", "-n", ns, "link", "set", "lo", "up");
        }

        Link(Client, "10.201.1.2/24", Gateway, "10.201.1.1/24", "c");
        Link(Internet, "10.201.2.2/24", Gateway, "10.201.2.1/24", "i");
        Link(Corp, "10.201.3.53/24", Gateway, "10.201.3.1/24", "k");
        Command.Run("ip", "-n", Client, "route", "add", "default", "via", "10.201.1.1");
        Command.Run("ip", "-n", Internet, "route", "add", "default", "via", "10.201.2.1");
        Command.Run("ip", "-n", Corp, "route", "add", "default", "via", "10.201.3.1");
        Command.Run("ip", "-n", Gateway, "route", "add", "10.201.4.0/24", "via", "10.201.2.2");
        Command.Run("ip", "-n", Gateway, "route", "add", "10.201.2.53/32", "via", "10.201.2.2");
        Command.Run("ip", "netns", "exec", Gateway, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        // The corporate network is reachable through the tunnel only, not from the client's link.
        Command.Run("ip", "-n", Gateway, "rule", "add", "iif", $"vc{_id}g", "to", "10.201.3.0/24", "prohibit", "pref", "100");
        Command.Run("ip", "-n", Internet, "address", "add", "10.201.2.53/32", "dev", "lo");
        for (int host = 1; host <= 9; host++)
        {
            Command.Run("ip", "-n", Internet, "address", "add", $"10.201.4.{host}/32", "dev", "lo");
        }

        PublicDns = NetworkNamespace.Run(Internet, () => new TestDnsServer(IPAddress.Parse("10.201.2.53")));
        // Port 53, so a .conf's "DNS = 10.201.3.53" (which has no port) names it.
        CorpDns = NetworkNamespace.Run(Corp, () => new TestDnsServer(IPAddress.Parse("10.201.3.53"), 53));
        PublicDns.TimeToLive = 60;
        CorpDns.TimeToLive = 60;
        _servers.Add(PublicDns);
        _servers.Add(CorpDns);
        Http = NetworkNamespace.Run(Internet, () => new TestHttpServer(new IPEndPoint(IPAddress.Any, 8080)));
        _servers.Add(Http);

        System.IO.Directory.CreateDirectory(NamespaceEtc);
        File.WriteAllText(ResolvConf, OriginalResolvConf);
    }

    public string Directory { get; }

    public string Client => $"tac{_id}";

    public string Gateway => $"tag{_id}";

    public string Internet => $"tai{_id}";

    public string Corp => $"tak{_id}";

    /// <summary>The agent's TUN interface.</summary>
    public string TunInterface => $"tat{_id}";

    public TestDnsServer PublicDns { get; }

    public TestDnsServer CorpDns { get; }

    /// <summary>The internet's HTTP server on 10.201.4.1-9, port 8080.</summary>
    public TestHttpServer Http { get; }

    public string NamespaceEtc => $"/etc/netns/{Client}";

    public string ResolvConf => Path.Combine(NamespaceEtc, "resolv.conf");

    public string ApiSocket => Path.Combine(Directory, "agent.sock");

    /// <summary>The client's end of its physical link to the gateway.</summary>
    public string ClientLink => $"vc{_id}a";

    /// <summary>The gateway's end of its link to the client.</summary>
    public string GatewayLink => $"vc{_id}g";

    /// <summary>Starts wireguard-go in the gateway and returns the agent's wg-quick configuration for it, with <c>DNS = <paramref name="dns"/></c> when given.</summary>
    public string StartGateway(string? dns = null)
    {
        string clientKey = Command.Run("wg", "genkey").Trim();
        string clientPublic = Command.Run("sh", "-c", $"echo {clientKey} | wg pubkey").Trim();
        _gateway = new GatewayProcess(this, clientPublic);
        return $"""
            [Interface]
            PrivateKey = {clientKey}
            Address = {TunnelAddress}/32
            {(dns is null ? string.Empty : $"DNS = {dns}")}

            [Peer]
            PublicKey = {_gateway.PublicKey}
            Endpoint = 10.201.1.1:51820
            AllowedIPs = 0.0.0.0/0
            PersistentKeepalive = 5
            """;
    }

    /// <summary>
    /// Writes the agent's configuration file with these JSON members beside the lab's fixed ones;
    /// <c>dns.upstreams</c> is the JSON array <paramref name="upstreams"/> (<c>[]</c>: the tunnel's <c>DNS =</c>), else the public DNS server;
    /// the forwarder listens on <paramref name="listen"/>.
    /// </summary>
    public string WriteConfig(string tunnelConf, string mode, string splitTunnel, string fallbackDomains = "[]", string? upstreams = null, string listen = "127.0.0.53:53")
    {
        upstreams ??= $"[ \"{PublicDns.EndPoint}\" ]";
        File.WriteAllText(Path.Combine(Directory, "tunnel.conf"), tunnelConf);
        string path = Path.Combine(Directory, "agent.json");
        File.WriteAllText(path, $$"""
            {
              "interface": "{{TunInterface}}",
              "tunnel": { "file": "tunnel.conf" },
              "mode": "{{mode}}",
              "splitTunnel": {{splitTunnel}},
              "dns": {
                "listen": "{{listen}}",
                "resolver": "resolv.conf",
                "upstreams": {{upstreams}},
                "fallbackDomains": {{fallbackDomains}},
                "resolvConf": "{{ResolvConf}}",
                "resolvConfBackup": "{{Path.Combine(Directory, "resolv.conf.saved")}}"
              },
              "api": { "socket": "{{ApiSocket}}" },
              "localSettings": "{{Path.Combine(Directory, "local-settings.json")}}"
            }
            """);
        return path;
    }

    /// <summary>
    /// Fetches http://TARGET:8080/ from the client namespace, a name resolved through the namespace's resolver
    /// file as any program's would be, and returns whom the server saw (<see cref="TunnelAddress"/> or
    /// <see cref="DirectAddress"/>) and which of its addresses was reached.
    /// </summary>
    public (string From, string To) Fetch(string target)
    {
        var result = Command.Try("ip", ["netns", "exec", Client, "curl", "-sS", "--max-time", "8", $"http://{target}:8080/"], TimeSpan.FromSeconds(20));
        Assert.True(result.Succeeded, $"curl {target} from the client failed ({result.ExitCode}): {result.Error}");
        string[] words = result.Output.Trim().Split(' ');
        Assert.True(words.Length == 2, $"unexpected answer from the test server: {result.Output}");
        return (words[0], words[1]);
    }

    /// <summary>Asks a DNS server for a name's address from the client namespace directly (not through the agent); null when it does not answer.</summary>
    public Task<bool> ClientCanQueryAsync(IPEndPoint server, string name) => CanQueryAsync(Client, server, name);

    /// <summary>Asks a DNS server for a name's address over UDP from a namespace; whether it answered within 2 s.</summary>
    public static async Task<bool> CanQueryAsync(string ns, IPEndPoint server, string name)
    {
        using var socket = NetworkNamespace.Run(ns, () => new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await socket.SendToAsync(TestDnsServer.Query(name), server, timeout.Token);
            byte[] answer = new byte[512];
            return await socket.ReceiveAsync(answer, System.Net.Sockets.SocketFlags.None, timeout.Token) > 0;
        }
        catch (Exception exception) when (exception is OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>What the client's routing looks like: every rule and every route of every table, both families.</summary>
    public string RoutingState() =>
        string.Join("\n", new[] { "-4", "-6" }.SelectMany(family => new[]
        {
            Command.Run("ip", family, "-n", Client, "rule", "show"),
            Command.Run("ip", family, "-n", Client, "route", "show", "table", "all"),
        }));

    /// <summary>Tries to fetch http://TARGET:8080/ from the client namespace; the exit code and output of curl.</summary>
    public Command.Result TryFetch(string target) =>
        Command.Try("ip", ["netns", "exec", Client, "curl", "-sS", "--max-time", "3", $"http://{target}:8080/"], TimeSpan.FromSeconds(20));

    public bool InterfaceExists(string name) => Command.Try("ip", ["-n", Client, "link", "show", name]).Succeeded;

    public async ValueTask DisposeAsync()
    {
        _gateway?.Dispose();
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (string ns in new[] { Client, Gateway, Internet, Corp })
        {
            Command.Try("ip", ["netns", "delete", ns]);
        }

        System.IO.Directory.Delete(NamespaceEtc, recursive: true);
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private void Link(string one, string oneAddress, string two, string twoAddress, string tag)
    {
        string a = $"v{tag}{_id}a", b = $"v{tag}{_id}g";
        Command.Run("ip", "link", "add", a, "netns", one, "type", "veth", "peer", "name", b, "netns", two);
        // No IPv6 link-local addresses: they would appear a moment after the link comes up and change the
        // routing state the tests compare before and after the agent.
        Command.Run("ip", "-n", one, "link", "set", "dev", a, "addrgenmode", "none");
        Command.Run("ip", "-n", two, "link", "set", "dev", b, "addrgenmode", "none");
        Command.Run("ip", "-n", one, "address", "add", oneAddress, "dev", a);
        Command.Run("ip", "-n", two, "address", "add", twoAddress, "dev", b);
        Command.Run("ip", "-n", one, "link", "set", a, "up");
        Command.Run("ip", "-n", two, "link", "set", b, "up");
    }
}
